import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, hexDump, parseProperties } from './bytes';

describe('bytes', () => {
  it('round-trips binary through base64', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(base64ToBytes(bytesToBase64(all)))).toEqual(Array.from(all));
  });

  it('dumps hex with offsets and printable ASCII', () => {
    const dump = hexDump(new TextEncoder().encode('Hello, RocketMQ!\u0000'));
    expect(dump.split('\n')[0]).toBe('00000000  48 65 6c 6c 6f 2c 20 52 6f 63 6b 65 74 4d 51 21  Hello, RocketMQ!');
    expect(dump.split('\n')[1]).toMatch(/^00000010 {2}00 +\.$/);
    expect(hexDump(new Uint8Array(40), 16)).toContain('… 24 more bytes');
  });

  it('parses key=value properties and names a bad line', () => {
    expect(parseProperties('a=1\n b = x=y \n\n')).toEqual({ props: { a: '1', b: 'x=y' }, error: null });
    expect(parseProperties('oops').error).toContain('oops');
  });
});
