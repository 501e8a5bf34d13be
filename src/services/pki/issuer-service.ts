import { createPublicKey } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { badRequest, CaError, notFound } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { parseCertificateDer } from '../../pki/cert-info.js';
import { formatRfc3339Nano } from '../../pki/validity.js';
import { describeKey, parseKeyType, parsePrivateKey } from '../../pki/keys.js';
import type { Role } from '../../pki/role.js';
import { spkiDerOf } from '../../pki/spki.js';
import type { IssuerUrls, LeafNotAfterBehavior, MountRecord, PkiIssuerRecord, PkiKeyRecord, PkiStore } from '../../storage/types.js';
import { certificateFields } from './cert-output.js';
import { storedPem } from './cert-output.js';
import type { IssuerDirectory } from './issuer-directory.js';
import type { KeyCustody } from './key-custody.js';
import { checkRecordName, defaultIssuerId, findIssuer, findKey, type IssuersConfig, type KeysConfig, resolveIssuer, resolveKey } from './references.js';
import { checkUrls, urlsToResponse } from './urls.js';
import type { ServiceResult } from './ca-service.js';
import type { KeyGenerationQueue } from './key-generation-queue.js';

const usageNames = ['crl-signing', 'issuing-certificates', 'ocsp-signing', 'read-only'];

export interface IssuerUpdate {
  issuerName?: string;
  leafNotAfterBehavior?: string;
  usage?: string[];
  manualChain?: string[];
  revocationSignatureAlgorithm?: string;
  urls?: Partial<IssuerUrls>;
}

export interface IssuerServiceDeps {
  store: PkiStore;
  custody: KeyCustody;
  directory: IssuerDirectory;
  clock: Clock;
  random: Random;
  keyGeneration: KeyGenerationQueue;
}

/** Issuers and keys as records: read, list, rename, configure, delete; default selection. */
export class IssuerService {
  constructor(private readonly deps: IssuerServiceDeps) {}

  async view(mount: MountRecord, issuer: PkiIssuerRecord): Promise<Record<string, unknown>> {
    const chain = await this.deps.directory.chain(mount.uuid, issuer);
    const data: Record<string, unknown> = {
      issuer_id: issuer.id,
      issuer_name: issuer.name,
      key_id: issuer.keyId ?? '',
      certificate: storedPem(issuer.certificateDer),
      ca_chain: chain.map((c) => storedPem(c.certificateDer)),
      manual_chain: issuer.manualChain.length > 0 ? issuer.manualChain : null,
      leaf_not_after_behavior: issuer.leafNotAfterBehavior,
      usage: issuer.usage.join(','),
      revocation_signature_algorithm: issuer.revocationSignatureAlgorithm,
      revoked: issuer.revoked,
      ...urlsToResponse(issuer.urls),
    };
    data.enable_aia_url_templating = issuer.urls.enableTemplating;
    delete data.enable_templating;
    if (issuer.revoked && issuer.revocationTimeMs !== null) {
      data.revocation_time = Math.floor(issuer.revocationTimeMs / 1000);
      data.revocation_time_rfc3339 = formatRfc3339Nano(issuer.revocationTimeMs);
    }
    return data;
  }

  async read(mount: MountRecord, ref: string): Promise<PkiIssuerRecord> {
    return resolveIssuer(this.deps.store, mount.uuid, ref);
  }

  async list(mount: MountRecord): Promise<{ keys: string[]; keyInfo: Record<string, unknown> }> {
    const issuers = await this.deps.store.listIssuers(mount.uuid);
    const defaultId = await defaultIssuerId(this.deps.store, mount.uuid);
    const keyInfo: Record<string, unknown> = {};
    for (const issuer of issuers) {
      keyInfo[issuer.id] = { issuer_name: issuer.name, is_default: issuer.id === defaultId, serial_number: issuer.serial, key_id: issuer.keyId ?? '' };
    }
    return { keys: issuers.map((i) => i.id), keyInfo };
  }

  /** POST replaces every field (omitted ones take defaults); PATCH passes only the given ones. */
  async update(mount: MountRecord, ref: string, update: IssuerUpdate): Promise<{ issuer: PkiIssuerRecord; warnings: string[] }> {
    const { store } = this.deps;
    const issuer = await resolveIssuer(store, mount.uuid, ref);
    const next: PkiIssuerRecord = { ...issuer, urls: { ...issuer.urls, ...update.urls } };
    if (update.issuerName !== undefined) {
      checkRecordName(update.issuerName, 'issuer');
      next.name = update.issuerName;
    }
    if (update.leafNotAfterBehavior !== undefined) {
      if (!['err', 'truncate', 'permit'].includes(update.leafNotAfterBehavior)) {
        throw badRequest(`invalid leaf_not_after_behavior "${update.leafNotAfterBehavior}": must be err, truncate or permit`);
      }
      next.leafNotAfterBehavior = update.leafNotAfterBehavior as LeafNotAfterBehavior;
    }
    if (update.usage !== undefined) {
      const usage = [...new Set(update.usage.map((u) => u.trim().toLowerCase()))];
      const unknown = usage.filter((u) => !usageNames.includes(u));
      if (unknown.length > 0) throw badRequest(`unknown issuer usage: ${unknown.join(', ')}`);
      next.usage = [...new Set(['read-only', ...usage])].sort();
    }
    if (update.manualChain !== undefined) next.manualChain = await this.resolveManualChain(mount, issuer, update.manualChain);
    if (update.revocationSignatureAlgorithm !== undefined) next.revocationSignatureAlgorithm = update.revocationSignatureAlgorithm;
    checkUrls(next.urls);
    const outcome = await store.updateIssuer(mount.uuid, next);
    if (outcome === 'name_taken') throw badRequest(`issuer name "${next.name}" is already in use`);
    if (outcome === 'missing') throw notFound();
    // Vault warns when a rename leaves roles pointing at the old name.
    const warnings: string[] = [];
    if (issuer.name !== '' && issuer.name !== next.name) {
      const count = (await this.roleReferences(mount)).get(issuer.name) ?? 0;
      if (count > 0) warnings.push(`${count} roles reference ${issuer.name}`);
    }
    return { issuer: next, warnings };
  }

  private async resolveManualChain(mount: MountRecord, issuer: PkiIssuerRecord, entries: string[]): Promise<string[]> {
    if (entries.length === 0) return [];
    const ids: string[] = [];
    for (const [index, entry] of entries.entries()) {
      const resolved = entry === 'self' ? issuer : await findIssuer(this.deps.store, mount.uuid, entry);
      if (!resolved) throw badRequest(`unable to find PKI issuer for reference in manual_chain: ${entry}`);
      if (index === 0 && resolved.id !== issuer.id) throw badRequest('the first entry of manual_chain must be the issuer itself ("self")');
      ids.push(resolved.id);
    }
    return ids;
  }

  /**
   * 200 with warnings, idempotent for an unknown reference. Like Vault, it warns about roles
   * whose issuer_ref names the issuer (by name, id, or `default` when it was the default).
   */
  async delete(mount: MountRecord, ref: string): Promise<string[]> {
    const { store } = this.deps;
    const issuer = await findIssuer(store, mount.uuid, ref);
    if (!issuer) return [];
    const wasDefault = (await defaultIssuerId(store, mount.uuid)) === issuer.id;
    const references = await this.roleReferences(mount);
    const dereferenced = (name: string): string[] => {
      const count = references.get(name) ?? 0;
      return count > 0 ? [`${count} roles reference ${name}`] : [];
    };
    const warnings = [...(issuer.name !== '' ? dereferenced(issuer.name) : []), ...dereferenced(issuer.id)];
    await store.deleteIssuer(mount.uuid, issuer.id);
    if (wasDefault) {
      warnings.push(
        `Deleted issuer ${issuer.id} (via issuer_ref ${ref}); this was configured as the default issuer. Operations without an explicit issuer will not work until a new default is configured.`,
        ...dereferenced('default'),
      );
    }
    return warnings;
  }

  /** How many roles name each issuer_ref value. */
  private async roleReferences(mount: MountRecord): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const name of await this.deps.store.listRoles(mount.uuid)) {
      const role = (await this.deps.store.getRole(mount.uuid, name)) as Role | null;
      if (role) counts.set(role.issuerRef, (counts.get(role.issuerRef) ?? 0) + 1);
    }
    return counts;
  }

  /** DELETE /root: returns Vault's warning, which always accompanies it. */
  async deleteAll(mount: MountRecord): Promise<string[]> {
    for (const key of await this.deps.store.listKeys(mount.uuid)) this.deps.custody.forget(key.id);
    await this.deps.store.deleteAllIssuersAndKeys(mount.uuid);
    return [
      'DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired.',
    ];
  }

  async issuersConfig(mount: MountRecord): Promise<IssuersConfig> {
    return (await this.deps.store.getConfig<IssuersConfig>(mount.uuid, 'issuers')) ?? { default: '', default_follows_latest_issuer: false };
  }

  async setIssuersConfig(mount: MountRecord, defaultRef: string | undefined, followsLatest: boolean | undefined): Promise<IssuersConfig> {
    const current = await this.issuersConfig(mount);
    const next = { ...current };
    if (defaultRef !== undefined && defaultRef !== '') next.default = (await resolveIssuer(this.deps.store, mount.uuid, defaultRef)).id;
    if (followsLatest !== undefined) next.default_follows_latest_issuer = followsLatest;
    await this.deps.store.setConfig(mount.uuid, 'issuers', next);
    return next;
  }

  async keysConfig(mount: MountRecord): Promise<KeysConfig> {
    return (await this.deps.store.getConfig<KeysConfig>(mount.uuid, 'keys')) ?? { default: '' };
  }

  async setKeysConfig(mount: MountRecord, defaultRef: string): Promise<KeysConfig> {
    const next = { default: (await resolveKey(this.deps.store, mount.uuid, defaultRef)).id };
    await this.deps.store.setConfig(mount.uuid, 'keys', next);
    return next;
  }

  keyView(key: PkiKeyRecord): Record<string, unknown> {
    return { key_id: key.id, key_name: key.name, key_type: key.keyType, key_bits: key.keyBits };
  }

  async readKey(mount: MountRecord, ref: string): Promise<PkiKeyRecord> {
    return resolveKey(this.deps.store, mount.uuid, ref);
  }

  async listKeys(mount: MountRecord): Promise<{ keys: string[]; keyInfo: Record<string, unknown> }> {
    const keys = await this.deps.store.listKeys(mount.uuid);
    const defaultId = (await this.keysConfig(mount)).default;
    const keyInfo: Record<string, unknown> = {};
    for (const key of keys) keyInfo[key.id] = { key_name: key.name, key_type: key.keyType, is_default: key.id === defaultId };
    return { keys: keys.map((k) => k.id), keyInfo };
  }

  async renameKey(mount: MountRecord, ref: string, name: string): Promise<PkiKeyRecord> {
    const key = await resolveKey(this.deps.store, mount.uuid, ref);
    checkRecordName(name, 'key');
    const outcome = await this.deps.store.renameKey(mount.uuid, key.id, name);
    if (outcome === 'name_taken') throw badRequest(`key name "${name}" is already in use`);
    if (outcome === 'missing') throw notFound();
    return { ...key, name };
  }

  /**
   * Vault's key delete: idempotent for an unknown reference, refused while an issuer uses the
   * key, and a warning (so a 200) when it was the default key.
   */
  async deleteKey(mount: MountRecord, ref: string): Promise<string[]> {
    const { store } = this.deps;
    const key = await findKey(store, mount.uuid, ref);
    if (!key) return [];
    const wasDefault = (await this.keysConfig(mount)).default === key.id;
    const outcome = await store.deleteKey(mount.uuid, key.id);
    if (outcome === 'in_use') {
      const user = (await store.listIssuers(mount.uuid)).find((issuer) => issuer.keyId === key.id);
      throw badRequest(`Failed to Delete Key.  Key in Use by Issuer: ${user?.id ?? ''}`);
    }
    this.deps.custody.forget(key.id);
    if (outcome === 'missing' || !wasDefault) return [];
    return [
      `Deleted key ${key.id} (via key_ref ${ref}); this was configured as the default key. Operations without an explicit key will not work until a new default is configured.`,
    ];
  }

  /** keys/generate/:type (internal or exported). */
  async generateKey(mount: MountRecord, exported: boolean, keyType: string, keyBits: number, keyName: string): Promise<ServiceResult> {
    const { store, custody, random, clock } = this.deps;
    checkRecordName(keyName, 'key');
    if (keyName !== '' && (await store.findKeyByName(mount.uuid, keyName))) throw badRequest(`key name "${keyName}" is already in use`);
    const type = parseKeyType(keyType === '' ? 'rsa' : keyType);
    const pair = await this.deps.keyGeneration.generate(type, keyBits);
    const id = random.uuid();
    const record: PkiKeyRecord = {
      id,
      name: keyName,
      keyType: type,
      keyBits: pair.bits,
      publicKeyDer: spkiDerOf(pair.publicKey),
      sealedPrivateKey: custody.seal(id, pair.privateKey),
      createdAt: clock.nowMs(),
    };
    await store.applyChange(mount.uuid, { keys: [record], issuers: [], certs: [], defaultIssuer: 'never', defaultKey: 'if-unset' });
    const data = { key_id: id, key_name: keyName, key_type: type };
    if (!exported) return { data, warnings: [] };
    const fields = certificateFields('pem', { certificateDer: Buffer.alloc(0), issuingCaDer: Buffer.alloc(0), chainDers: [], privateKey: pair.privateKey, privateKeyFormat: 'der' });
    return { data: { ...data, private_key: fields.private_key }, warnings: [] };
  }

  /** keys/import: an unencrypted private key PEM. */
  async importKey(mount: MountRecord, pemBundle: string, keyName: string): Promise<ServiceResult> {
    const { store, custody, random, clock } = this.deps;
    checkRecordName(keyName, 'key');
    const privateKey = parsePrivateKey(pemBundle);
    const description = describeKey(privateKey);
    const publicKeyDer = spkiDerOf(createPublicKey(privateKey));
    const existing = await store.findKeyByPublicKey(mount.uuid, publicKeyDer);
    if (existing) return { data: this.keyView(existing), warnings: ['the key already exists in this mount'] };
    if (keyName !== '' && (await store.findKeyByName(mount.uuid, keyName))) throw badRequest(`key name "${keyName}" is already in use`);
    const id = random.uuid();
    const record: PkiKeyRecord = {
      id,
      name: keyName,
      keyType: description.type,
      keyBits: description.bits,
      publicKeyDer,
      sealedPrivateKey: custody.seal(id, privateKey),
      createdAt: clock.nowMs(),
    };
    // Issuers imported without a key get this one in the same change, matched by the public key
    // in their certificate (an issuer record keeps the certificate, not a bare SPKI).
    const keyless = (await store.listIssuers(mount.uuid)).filter(
      (issuer) => issuer.keyId === null && parseCertificateDer(issuer.certificateDer).spkiDer.equals(publicKeyDer),
    );
    await store.applyChange(mount.uuid, {
      keys: [record],
      issuers: keyless.map((issuer) => ({ ...issuer, keyId: id })),
      certs: [],
      defaultIssuer: 'never',
      defaultKey: 'if-unset',
    });
    return { data: this.keyView(record), warnings: [] };
  }

  ensureFound<T>(value: T | null): T {
    if (value === null) throw new CaError('not_found', '');
    return value;
  }
}
