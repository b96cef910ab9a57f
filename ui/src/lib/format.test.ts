import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatCount,
  formatDuration,
  formatOffset,
  formatRatio,
  formatTps,
  formatVersion,
} from './format';

describe('format', () => {
  it('groups offsets without losing precision beyond 2^53', () => {
    expect(formatOffset('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(formatOffset('-1')).toBe('-1');
    expect(formatOffset('')).toBe('—');
    expect(formatOffset('abc')).toBe('abc');
  });
  it('formats counts, tps and ratios', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe('—');
    expect(formatTps(0)).toBe('0');
    expect(formatTps(3.14159)).toBe('3.14');
    expect(formatTps(123.45)).toBe('123.5');
    expect(formatRatio(0.1634)).toBe('16.3 %');
  });
  it('formats durations and ages', () => {
    expect(formatDuration(8_000)).toBe('8s');
    expect(formatDuration(62_000)).toBe('1m 2s');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
    expect(formatAge(1000, 1500)).toBe('just now');
    expect(formatAge(0, 12_000)).toBe('12 s ago');
    expect(formatAge(0, 180_000)).toBe('3 min ago');
  });
  it('turns broker version codes into dotted versions', () => {
    expect(formatVersion('V5_5_0')).toBe('5.5.0');
    expect(formatVersion('V4_9_7')).toBe('4.9.7');
    expect(formatVersion('1.0.0')).toBe('1.0.0');
    expect(formatVersion(null)).toBe('—');
  });
});
