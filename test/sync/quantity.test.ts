import { describe, expect, it } from 'vitest';
import { bytes, cpuMillicores, cpuNanocores, parseQuantity, QuantityError } from '../../src/sync/quantity.js';

describe('quantity parser', () => {
  it.each([
    ['250m', 250n],
    ['1', 1000n],
    ['1.5', 1500n],
    ['0.5', 500n],
    ['2', 2000n],
    ['329087452n', 330n],
    ['1000000n', 1n],
    ['1u', 1n],
    ['1e3', 1_000_000n],
    ['1E3', 1_000_000n],
    ['1e-3', 1n],
    ['0', 0n],
    ['+100m', 100n],
    ['100k', 100_000_000n],
  ])('cpu %s → %i millicores', (q, expected) => {
    expect(cpuMillicores(q)).toBe(expected);
  });

  it('cpu nanocores are exact', () => {
    expect(cpuNanocores('329087452n')).toBe(329087452n);
    expect(cpuNanocores('250m')).toBe(250_000_000n);
    expect(cpuNanocores('1.000000001')).toBe(1_000_000_001n);
  });

  it.each([
    ['1.5Gi', 1_610_612_736n],
    ['2748180Ki', 2_814_136_320n],
    ['100M', 100_000_000n],
    ['128Mi', 134_217_728n],
    ['1E', 1_000_000_000_000_000_000n],
    ['1Ei', 1_152_921_504_606_846_976n],
    ['8Ei', 9_223_372_036_854_775_808n],
    ['1e3', 1000n],
    ['1.5e2', 150n],
    ['12e-1', 2n],
    ['500m', 1n],
    ['1Ti', 1_099_511_627_776n],
    ['1P', 1_000_000_000_000_000n],
    ['1Pi', 1_125_899_906_842_624n],
    ['.5Ki', 512n],
    ['-1Mi', -1_048_576n],
    ['3G', 3_000_000_000n],
    [1024, 1024n],
  ])('memory %s → %i bytes', (q, expected) => {
    expect(bytes(q)).toBe(expected);
  });

  it('keeps fractions exact', () => {
    expect(parseQuantity('0.1')).toEqual({ numerator: 1n, denominator: 10n });
    expect(parseQuantity('1.5Gi')).toEqual({ numerator: 1_610_612_736n, denominator: 1n });
    expect(parseQuantity('3m')).toEqual({ numerator: 3n, denominator: 1000n });
  });

  it.each(['', ' ', 'abc', '1.2.3', '10Xi', '1e', 'Gi', '1 Gi', '1gi', '--1', '1e999', '0x10', 'NaN', '1K'])(
    'rejects %j with a clear error',
    (q) => {
      expect(() => bytes(q)).toThrow(QuantityError);
      expect(() => bytes(q)).toThrow(/invalid quantity/);
    },
  );
});
