import { readFileSync, writeFileSync } from 'node:fs';
import type { Random } from '../core/random.js';
import { ConfigError } from './config.js';

/** A KEK file holds 32 raw bytes, or their base64 or hex text. */
export function decodeKek(content: Buffer, where: string): Buffer {
  if (content.length === 32) return content;
  const text = content.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(text)) return decoded;
  throw new ConfigError(`${where} must hold a 32-byte key (raw, base64 or hex)`);
}

export function readKekFile(file: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    throw new ConfigError(`cannot read the key-encryption key file ${file}: ${(error as Error).message}`);
  }
  return decodeKek(content, file);
}

/** A new random KEK written base64 with mode 0600 (dev mode, and `mintca operator generate-kek`). */
export function writeNewKekFile(file: string, random: Random): Buffer {
  const kek = random.bytes(32);
  writeFileSync(file, `${kek.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return kek;
}
