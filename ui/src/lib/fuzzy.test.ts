import { describe, expect, it } from 'vitest';
import { fuzzyScore } from './fuzzy';

describe('fuzzyScore', () => {
  it('matches subsequences case-insensitively and rejects the rest', () => {
    expect(fuzzyScore('ordv2', 'Orders_v2')).toBeGreaterThan(0);
    expect(fuzzyScore('xyz', 'Orders_v2')).toBe(0);
    expect(fuzzyScore('', 'anything')).toBe(1);
  });
  it('ranks substrings and word starts above scattered matches', () => {
    expect(fuzzyScore('pay', 'SandboxPayments')).toBeGreaterThan(fuzzyScore('pay', 'p_a_y_load'));
    expect(fuzzyScore('dlq', '%DLQ%billing')).toBeGreaterThan(fuzzyScore('dlq', 'deadline_queue'));
  });
});
