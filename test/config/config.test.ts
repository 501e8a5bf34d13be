import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/config/config.js';
import { decodeKek } from '../../src/config/kek.js';

const minimal = { storage: { sqlite: { path: '/var/lib/mintca/mintca.db' } }, listener: { tcp: { address: '0.0.0.0:8200', tls_disable: true } } };

describe('config file', () => {
  it('ok/reads Vault-shaped JSON with defaults', () => {
    const config = parseConfigFile(JSON.stringify({ ...minimal, kek_file: '/etc/mintca/kek', default_lease_ttl: '24h', max_lease_ttl: '720h' }), 'c.json');
    expect(config).toMatchObject({
      storagePath: '/var/lib/mintca/mintca.db',
      kekFile: '/etc/mintca/kek',
      logLevel: 'info',
      defaultLeaseTtl: 86400,
      maxLeaseTtl: 720 * 3600,
      listener: { address: '0.0.0.0:8200', tlsDisable: true, maxRequestSize: 32 * 1024 * 1024 },
    });
  });

  it('ok/key_generation sets the RSA key generation queue; defaults are one per core and 64 waiting', () => {
    expect(parseConfigFile(JSON.stringify(minimal), 'c.json')).toMatchObject({ keyGenerationQueueSize: 64 });
    expect(parseConfigFile(JSON.stringify(minimal), 'c.json').keyGenerationConcurrency).toBeGreaterThanOrEqual(1);
    const config = parseConfigFile(JSON.stringify({ ...minimal, key_generation: { concurrency: 3, queue_size: 0 } }), 'c.json');
    expect(config).toMatchObject({ keyGenerationConcurrency: 3, keyGenerationQueueSize: 0 });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not json', '{', /not valid JSON/],
    ['no storage path', { listener: minimal.listener }, /storage.sqlite.path is required/],
    ['unknown top-level key', { ...minimal, colour: 1 }, /unknown setting in c.json: colour/],
    ['unknown listener key', { ...minimal, listener: { tcp: { adress: 'x', tls_disable: true } } }, /listener.tcp: adress/],
    ['tls without files', { ...minimal, listener: { tcp: { address: 'x' } } }, /tls_cert_file/],
    ['client certs without CA', { ...minimal, listener: { tcp: { address: 'x', tls_disable: true, tls_require_and_verify_client_cert: true } } }, /tls_client_ca_file/],
    ['bad log level', { ...minimal, log_level: 'loud' }, /log_level must be one of/],
    ['bad max_request_size', { ...minimal, listener: { tcp: { ...minimal.listener.tcp, max_request_size: -1 } } }, /max_request_size/],
    ['bad duration', { ...minimal, max_lease_ttl: 'long' }, /max_lease_ttl/],
    ['zero key generation concurrency', { ...minimal, key_generation: { concurrency: 0 } }, /key_generation.concurrency must be an integer >= 1/],
    ['negative key generation queue', { ...minimal, key_generation: { queue_size: -1 } }, /key_generation.queue_size/],
    ['unknown key generation key', { ...minimal, key_generation: { size: 1 } }, /unknown setting in key_generation: size/],
  ];
  for (const [name, value, message] of bad) {
    it(`fail/${name}`, () => {
      expect(() => parseConfigFile(typeof value === 'string' ? value : JSON.stringify(value), 'c.json')).toThrow(message);
    });
  }

  it('ok/KEK files may hold raw bytes, base64 or hex; anything else is refused', () => {
    const key = randomBytes(32);
    expect(decodeKek(key, 'k').equals(key)).toBe(true);
    expect(decodeKek(Buffer.from(`${key.toString('base64')}\n`), 'k').equals(key)).toBe(true);
    expect(decodeKek(Buffer.from(key.toString('hex')), 'k').equals(key)).toBe(true);
    expect(() => decodeKek(Buffer.from('too short'), 'k')).toThrow(/32-byte key/);
  });
});
