import { describe, it, expect } from 'vitest';
import { parseQuantity, compareQuantity, canonicalizeResourceList, addQuantities } from '../../src/resources/quantity.js';

describe('quantity', () => {
  const canon = (s: string | number) => parseQuantity(s)?.canonical;
  it('canonical forms as upstream', () => {
    expect(canon('5G')).toBe('5G');
    expect(canon('2048Mi')).toBe('2Gi');
    expect(canon('1536Mi')).toBe('1536Mi');
    expect(canon('0.5')).toBe('500m');
    expect(canon(0.5)).toBe('500m');
    expect(canon('1000m')).toBe('1');
    expect(canon('1500m')).toBe('1500m');
    expect(canon('1e3')).toBe('1e3');
    expect(canon('1E3')).toBe('1e3');
    expect(canon('1000')).toBe('1k');
    expect(canon('1500')).toBe('1500');
    expect(canon('0.5Ki')).toBe('512');
    expect(canon('1.5Gi')).toBe('1536Mi');
    expect(canon('100Mi')).toBe('100Mi');
    expect(canon('1Ki')).toBe('1Ki');
    expect(canon('0')).toBe('0');
    expect(canon('0Gi')).toBe('0');
    expect(canon('-5')).toBe('-5');
    expect(canon(1)).toBe('1');
    expect(canon('1.5')).toBe('1500m');
    expect(canon('12e2')).toBe('1200');
    expect(canon('1n')).toBe('1n');
    expect(canon('0.1n')).toBe('1n');
    expect(canon('1M')).toBe('1M');
    expect(canon('1E')).toBe('1E');
  });
  it('rejects malformed', () => {
    for (const s of ['', 'abc', '1K', '1.2.3', '5 Gi', 'Gi', '1Gib', '1e']) expect(parseQuantity(s), s).toBeUndefined();
  });
  it('values and comparison', () => {
    expect(parseQuantity('2Gi')!.value).toBe(2 * 1024 ** 3);
    expect(parseQuantity('500m')!.value).toBe(0.5);
    expect(compareQuantity('1Gi', '1G')).toBe(1);
    expect(compareQuantity('1000m', '1')).toBe(0);
    expect(compareQuantity('100m', '0.2')).toBe(-1);
  });
  it('resource list defaulting rounds up to milli', () => {
    const rl: Record<string, unknown> = { cpu: '0.0001', memory: '2048Mi', x: 'bad' };
    canonicalizeResourceList(rl);
    expect(rl).toEqual({ cpu: '1m', memory: '2Gi', x: 'bad' });
    expect(addQuantities(['1Gi', '1Gi'])).toBe('2Gi');
  });
});
