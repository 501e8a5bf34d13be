import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { Random } from './random.js';

const formatVersion = 1;
const nonceLength = 12;
const tagLength = 16;

/**
 * Holds the key-encryption key (KEK). Everything secret at rest is sealed with AES-256-GCM
 * under a subkey of it, and tokens are stored as HMACs under another subkey, so the
 * database file alone reveals neither.
 */
export class Keyring {
  private readonly sealKey: Buffer;
  private readonly tokenKey: Buffer;

  constructor(
    kek: Buffer,
    private readonly random: Random,
  ) {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    this.sealKey = deriveSubkey(kek, 'seal');
    this.tokenKey = deriveSubkey(kek, 'token-hmac');
  }

  /** AES-256-GCM with a fresh nonce; `context` binds the blob to its record (AAD). */
  seal(plaintext: Buffer, context: string): Buffer {
    const nonce = this.random.bytes(nonceLength);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(formatVersion), nonce, body, cipher.getAuthTag()]);
  }

  open(blob: Buffer, context: string): Buffer {
    if (blob.length < 1 + nonceLength + tagLength || blob[0] !== formatVersion) {
      throw new Error('sealed value has an unknown format');
    }
    const nonce = blob.subarray(1, 1 + nonceLength);
    const tag = blob.subarray(blob.length - tagLength);
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(1 + nonceLength, blob.length - tagLength)), decipher.final()]);
  }

  /** Keyed hash under which tokens are stored and looked up. */
  tokenHash(token: string): string {
    return createHmac('sha256', this.tokenKey).update(token, 'utf8').digest('hex');
  }

  /** A separate HMAC key for a named purpose (audit salts, cookies, ...). */
  subkey(purpose: string): Buffer {
    return deriveSubkey(this.sealKey, purpose);
  }
}

function deriveSubkey(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `mintca ${purpose}`, 32));
}
