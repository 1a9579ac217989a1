// Copyright 2026 the framewire authors. MIT license.
// Password hashing for chat accounts: PBKDF2-HMAC-SHA-256 through
// WebCrypto, a random 16-byte salt per account, and a constant-time
// comparison. Passwords are never stored or logged in clear.
import { checkNumber } from "../internal/options.ts";
import type { PasswordHash } from "./chat_store.ts";

/**
 * PBKDF2-HMAC-SHA-256 iterations for new accounts: OWASP's 2023
 * recommendation. Each login costs this much CPU on a WebCrypto worker
 * thread (about 0.1 s on a laptop core), not on the event loop.
 */
export const DEFAULT_PASSWORD_ITERATIONS = 210_000;

/** Fewest characters in the password of a new account. */
export const MIN_PASSWORD_CHARS = 8;

const SALT_BYTES = 16;
const HASH_BITS = 256;
const encoder = new TextEncoder();

/** Options for {@linkcode hashPassword}. */
export interface HashPasswordOptions {
  /**
   * PBKDF2 iterations. Lower it only in tests.
   *
   * @default {210000}
   */
  iterations?: number;
}

/**
 * Hashes a password with a fresh random salt.
 *
 * @param password The password.
 * @param options The iteration count.
 * @returns The salted hash to store.
 * @throws {RangeError} If `iterations` is not an integer of at least 1.
 */
export async function hashPassword(
  password: string,
  options: HashPasswordOptions = {},
): Promise<PasswordHash> {
  const iterations = checkNumber(
    "iterations",
    options.iterations ?? DEFAULT_PASSWORD_ITERATIONS,
    { min: 1 },
  );
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { salt, hash: await derive(password, salt, iterations), iterations };
}

/**
 * Checks a password against a stored hash, in time that does not depend on
 * where the bytes differ.
 *
 * @param password The password offered.
 * @param stored The stored hash.
 * @returns Whether it matches.
 */
export async function verifyPassword(
  password: string,
  stored: PasswordHash,
): Promise<boolean> {
  const hash = await derive(password, stored.salt, stored.iterations);
  return constantTimeEqual(hash, stored.hash);
}

/**
 * Compares two byte strings without stopping at the first difference, so
 * the time taken leaks nothing about how much of a guess was right.
 *
 * @param a First bytes.
 * @param b Second bytes.
 * @returns Whether they are equal.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

async function derive(
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(salt), iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}
