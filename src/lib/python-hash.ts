/**
 * CPython's `hash()` for ints and tuples of ints (64-bit builds, CPython >= 3.8), reproduced bit for
 * bit so that `:hash_unordered` metrics match what Python SDK 0.4.1 computes.
 */

const MASK64 = (1n << 64n) - 1n;
/** The Mersenne prime 2^61 - 1 that CPython reduces ints modulo. */
const HASH_MODULUS = (1n << 61n) - 1n;
// xxHash64 primes used by CPython's tuplehash.
const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;

/** CPython `hash(int)`: sign × (|x| mod (2^61 − 1)), with −1 (reserved for errors in C) mapped to −2. */
export function pythonIntHash(x: bigint): bigint {
  const magnitude = (x < 0n ? -x : x) % HASH_MODULUS;
  const h = x < 0n ? -magnitude : magnitude;
  return h === -1n ? -2n : h;
}

/** CPython `hash(tuple(items))` for a tuple of ints, as a signed 64-bit value. */
export function pythonTupleOfIntsHash(items: readonly bigint[]): bigint {
  let acc = XXPRIME_5;
  for (const item of items) {
    // The lane is the item's hash read as an unsigned 64-bit word.
    const lane = BigInt.asUintN(64, pythonIntHash(item));
    acc = (acc + lane * XXPRIME_2) & MASK64;
    acc = ((acc << 31n) | (acc >> 33n)) & MASK64;
    acc = (acc * XXPRIME_1) & MASK64;
  }
  acc = (acc + (BigInt(items.length) ^ (XXPRIME_5 ^ 3527539n))) & MASK64;
  // (Py_uhash_t)-1 is reserved for errors, so CPython substitutes this constant.
  if (acc === MASK64) return 1546275796n;
  return BigInt.asIntN(64, acc);
}
