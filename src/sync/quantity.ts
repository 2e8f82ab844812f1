/**
 * Exact Kubernetes resource.Quantity parsing (`250m`, `1.5Gi`, `329087452n`, `1e3`, `1E`).
 * Values are kept as a fraction of BigInts so that nothing is lost to floating point; conversions round up, as
 * Kubernetes does for `MilliValue()` and `Value()`.
 */

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** value = numerator / denominator, denominator > 0. */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// sign, integer digits, fraction digits, suffix: a binary/decimal SI suffix or an exponent (e3, E-2).
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MAX_EXPONENT = 100;

export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string') throw new QuantityError(`quantity must be a string (got ${typeof input})`);
  const m = QUANTITY.exec(text.trim());
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (!m || (intDigits === '' && fracDigits === '') || text.trim() === '') {
    throw new QuantityError(`invalid quantity "${text}": expected a number with an optional suffix such as 250m, 1.5Gi or 1e3`);
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const suffix = m[4] ?? '';
  let numerator = sign * BigInt((intDigits || '0') + fracDigits);
  let denominator = 10n ** BigInt(fracDigits.length);

  if (suffix in BINARY) {
    numerator *= BINARY[suffix]!;
  } else {
    const exponent = suffix in DECIMAL_EXPONENT ? DECIMAL_EXPONENT[suffix]! : Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) throw new QuantityError(`invalid quantity "${text}": exponent out of range`);
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  const g = gcd(numerator < 0n ? -numerator : numerator, denominator);
  return { numerator: numerator / g, denominator: denominator / g };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

/** The quantity scaled by 10^scale, rounded up to an integer. */
export function scaledValue(q: Quantity, scale: number): bigint {
  return ceilDiv(q.numerator * 10n ** BigInt(scale), q.denominator);
}

/** CPU in millicores (`250m` → 250, `1.5` → 1500, `329087452n` → 330). */
export function cpuMillicores(input: string | number): bigint {
  return scaledValue(parseQuantity(input), 3);
}

/** CPU in nanocores (`329087452n` → 329087452). */
export function cpuNanocores(input: string | number): bigint {
  return scaledValue(parseQuantity(input), 9);
}

/** Memory or storage in bytes (`1.5Gi` → 1610612736, `2748180Ki` → 2814136320). */
export function bytes(input: string | number): bigint {
  return scaledValue(parseQuantity(input), 0);
}
