import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is injected so tests can make identifiers predictable where they need to. */
export interface Random {
  bytes(length: number): Buffer;
  uuid(): string;
}

export const cryptoRandom: Random = {
  bytes: (length) => randomBytes(length),
  uuid: () => randomUUID(),
};

const base62Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform base62 string by rejection sampling (no modulo bias). */
export function randomBase62(random: Random, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < 248) out += base62Alphabet[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
