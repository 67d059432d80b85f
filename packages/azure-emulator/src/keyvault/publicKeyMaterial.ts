import { createHash } from "node:crypto";

/** Coordinate length in bytes of the curves Key Vault supports. */
const curveCoordinateBytes: Readonly<Record<string, number>> = {
  "P-256": 32,
  "P-256K": 32,
  "P-384": 48,
  "P-521": 66,
};

/** `length` bytes derived from `seed` by chaining SHA-256 (counter mode). */
function expand(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (let counter = 0; total < length; counter++) {
    const chunk = createHash("sha256")
      .update(`${seed}#${String(counter)}`)
      .digest();
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/**
 * A stand-in RSA modulus (base64url) of exactly `keySize` bits: the top bit is set so a client that
 * derives the key size from `n` (as the service does) gets `keySize`, and it is odd like every real
 * modulus. It is derived from `seed` so the same key version always shows the same `n`. It is not
 * a product of primes: no private key exists and nothing can be encrypted to it.
 */
export function rsaModulus(seed: string, keySize: number): string {
  const bytes = Math.ceil(keySize / 8);
  const modulus = expand(`n:${seed}`, bytes);
  const unusedBits = bytes * 8 - keySize;
  modulus[0] = ((modulus[0] ?? 0) & (0xff >> unusedBits)) | (0x80 >> unusedBits);
  modulus[bytes - 1] = (modulus[bytes - 1] ?? 0) | 1;
  return modulus.toString("base64url");
}

/** The RSA public exponent 65537 (`AQAB`), the only one Key Vault generates. */
export const rsaPublicExponent = "AQAB";

/**
 * Stand-in EC public coordinates (base64url) of the curve's length, derived from `seed`. They are
 * not a point on the curve; they only have the right shape.
 */
export function ecCoordinates(seed: string, curve: string): { x: string; y: string } {
  const length = curveCoordinateBytes[curve] ?? 32;
  return {
    x: expand(`x:${seed}`, length).toString("base64url"),
    y: expand(`y:${seed}`, length).toString("base64url"),
  };
}
