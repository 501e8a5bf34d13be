import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';
import type {
  MountRecord, PkiCertCursor, PkiCertRecord, PkiChange, PkiIssuerRecord, PkiKeyRecord, PkiOrphanRevocation, PkiStore, PkiTidyCertBatch,
  PkiTidyRevocationBatch, Store,
} from '../../src/storage/types.js';

/**
 * Contract of PkiStore. Each backend supplies a factory; the cases use only the Store interface,
 * except `countPkiRows`, which looks at the backend's tables directly.
 */
interface Backend {
  store: Store;
  /** A second, independent store over the same data (another process, another connection). */
  openAnother(): Promise<Store>;
  /** Rows of the mount in every PKI table, counted in the database itself. */
  countPkiRows(mountUuid: string): Promise<number>;
  close(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-pki-store-'));
  const path = join(dir, 'mintca.db');
  const stores = [openSqliteStore({ path, nowMs: 1 })];
  return {
    store: stores[0]!,
    async openAnother() {
      stores.push(openSqliteStore({ path, nowMs: 2 }));
      return stores.at(-1)!;
    },
    async countPkiRows(mountUuid) {
      const db = new Database(path, { readonly: true });
      try {
        const tables = ['pki_keys', 'pki_issuers', 'pki_config', 'pki_roles', 'pki_certs', 'pki_revocations', 'pki_crls', 'pki_crl_numbers'];
        return tables.reduce((sum, t) => sum + (db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE mount_uuid = ?`).get(mountUuid) as { n: number }).n, 0);
      } finally {
        db.close();
      }
    },
    async close() {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const backends: Array<[string, () => Backend]> = [['sqlite', sqliteBackend]];

// ---- fixtures: DER and key material are opaque to the store, random bytes will do ----------

const mountRecord = (path: string): MountRecord => ({
  uuid: randomUUID(),
  kind: 'secret',
  path,
  type: 'pki',
  description: '',
  accessor: `pki_${randomBytes(4).toString('hex')}`,
  config: {
    defaultLeaseTtl: 0, maxLeaseTtl: 0, forceNoCache: false, auditNonHmacRequestKeys: [], auditNonHmacResponseKeys: [],
    listingVisibility: '', passthroughRequestHeaders: [], allowedResponseHeaders: [],
  },
  options: {},
  local: false,
  sealWrap: false,
  createdAt: 1,
});
const serial = () => [...randomBytes(12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
const key = (over: Partial<PkiKeyRecord> = {}): PkiKeyRecord => ({
  id: randomUUID(), name: '', keyType: 'ec', keyBits: 256, publicKeyDer: randomBytes(91), sealedPrivateKey: randomBytes(160), createdAt: 1000, ...over,
});
const issuer = (over: Partial<PkiIssuerRecord> = {}): PkiIssuerRecord => ({
  id: randomUUID(), name: '', keyId: null, certificateDer: randomBytes(600), serial: serial(), subjectDer: randomBytes(40),
  issuerDer: randomBytes(40), subjectKeyId: randomBytes(20), authorityKeyId: randomBytes(20), notBeforeMs: 1000, notAfterMs: 9_000_000,
  leafNotAfterBehavior: 'err', usage: ['crl-signing', 'issuing-certificates', 'ocsp-signing', 'read-only'], manualChain: [],
  revocationSignatureAlgorithm: '',
  urls: { issuingCertificates: [], crlDistributionPoints: [], deltaCrlDistributionPoints: [], ocspServers: [], enableTemplating: false },
  revoked: false, revocationTimeMs: null, createdAt: 1000, ...over,
});
const cert = (over: Partial<PkiCertRecord> = {}): PkiCertRecord => ({
  serial: serial(), issuerId: null, certificateDer: randomBytes(500), notAfterMs: 5_000_000, createdAt: 2000, ...over,
});
const change = (over: Partial<PkiChange>): PkiChange => ({ keys: [], issuers: [], certs: [], defaultIssuer: 'never', defaultKey: 'never', ...over });

for (const [backendName, open] of backends) {
  describe(`PkiStore contract (${backendName})`, () => {
    let backend: Backend;
    let pki: PkiStore;
    let a: string;
    let b: string;
    const mount = async (path: string) => {
      const record = mountRecord(path);
      expect(await backend.store.mounts.create(record)).toEqual({ conflict: null });
      return record.uuid;
    };
    /** A key and an issuer using it, stored in mount `m`. */
    const ca = async (m: string, over: { key?: Partial<PkiKeyRecord>; issuer?: Partial<PkiIssuerRecord> } = {}) => {
      const k = key(over.key);
      const i = issuer({ keyId: k.id, ...over.issuer });
      await pki.applyChange(m, change({ keys: [k], issuers: [i] }));
      return { k, i };
    };
    const defaults = async (m: string) => ({
      issuers: await pki.getConfig<{ default: string }>(m, 'issuers'),
      keys: await pki.getConfig<{ default: string }>(m, 'keys'),
    });

    beforeEach(async () => {
      backend = open();
      pki = backend.store.pki;
      a = await mount('pki/');
      b = await mount('pki_int/');
    });
    afterEach(async () => backend.close());

    describe('keys', () => {
      it('ok/stores keys and finds them by id, name and public key', async () => {
        const named = key({ name: 'root-key', keyType: 'rsa', keyBits: 2048 });
        const unnamed = key();
        await pki.applyChange(a, change({ keys: [named, unnamed] }));
        expect(await pki.getKey(a, named.id)).toEqual(named);
        expect(await pki.findKeyByName(a, 'root-key')).toEqual(named);
        expect(await pki.findKeyByPublicKey(a, Buffer.from(unnamed.publicKeyDer))).toEqual(unnamed);
        expect(await pki.listKeys(a)).toEqual([named, unnamed].sort((x, y) => (x.id < y.id ? -1 : 1)));
        expect(await pki.findKeyByName(a, '')).toBeNull();
        expect(await pki.getKey(a, randomUUID())).toBeNull();
        expect(await pki.findKeyByPublicKey(a, randomBytes(91))).toBeNull();
      });

      it('ok+fail/renameKey', async () => {
        const [k1, k2, k3] = [key({ name: 'one' }), key({ name: 'two' }), key()];
        await pki.applyChange(a, change({ keys: [k1!, k2!, k3!] }));
        expect(await pki.renameKey(a, k1!.id, 'uno')).toBe('ok');
        expect(await pki.renameKey(a, k1!.id, 'uno')).toBe('ok');
        expect((await pki.findKeyByName(a, 'uno'))?.id).toBe(k1!.id);
        expect(await pki.findKeyByName(a, 'one')).toBeNull();
        expect(await pki.renameKey(a, k3!.id, 'two')).toBe('name_taken');
        expect(await pki.renameKey(a, k2!.id, '')).toBe('ok');
        expect(await pki.renameKey(a, k1!.id, '')).toBe('ok'); // several unnamed keys are fine
        expect(await pki.renameKey(a, randomUUID(), 'x')).toBe('missing');
      });

      it('ok+fail/deleteKey refuses a key in use and clears the default key', async () => {
        const { k, i } = await ca(a);
        const spare = key();
        await pki.applyChange(a, change({ keys: [spare], defaultKey: 'if-unset' }));
        await pki.setConfig(a, 'keys', { default: k.id });
        expect(await pki.deleteKey(a, k.id)).toBe('in_use');
        expect(await pki.deleteKey(a, spare.id)).toBe('ok');
        expect((await defaults(a)).keys).toEqual({ default: k.id }); // pointed elsewhere: kept
        expect(await pki.deleteIssuer(a, i.id)).toBe(true);
        expect(await pki.deleteKey(a, k.id)).toBe('ok');
        expect((await defaults(a)).keys).toEqual({ default: '' });
        expect(await pki.getKey(a, k.id)).toBeNull();
        expect(await pki.deleteKey(a, k.id)).toBe('missing');
      });
    });

    describe('issuers', () => {
      it('ok/stores every field and finds issuers by id and name', async () => {
        const root = issuer({ name: 'root', authorityKeyId: null, leafNotAfterBehavior: 'truncate', manualChain: [] });
        const other = issuer({ revoked: true, revocationTimeMs: 4242, urls: { ...root.urls, ocspServers: ['http://ocsp'], enableTemplating: true } });
        await pki.applyChange(a, change({ issuers: [root, other] }));
        expect(await pki.getIssuer(a, root.id)).toEqual(root);
        expect(await pki.getIssuer(a, other.id)).toEqual(other);
        expect(await pki.findIssuerByName(a, 'root')).toEqual(root);
        expect(await pki.findIssuerByName(a, '')).toBeNull();
        expect((await pki.listIssuers(a)).map((x) => x.id)).toEqual([root.id, other.id].sort());
        expect(await pki.getIssuer(a, randomUUID())).toBeNull();
      });

      it('ok+fail/updateIssuer replaces the mutable fields only', async () => {
        const { i } = await ca(a, { issuer: { name: 'one' } });
        await pki.applyChange(a, change({ issuers: [issuer({ name: 'two' })] }));
        const updated: PkiIssuerRecord = {
          ...i, name: 'uno', leafNotAfterBehavior: 'permit', usage: ['read-only'], manualChain: [i.id], revocationSignatureAlgorithm: 'SHA256WithRSA',
          urls: { ...i.urls, crlDistributionPoints: ['http://crl'] }, revoked: true, revocationTimeMs: 777,
        };
        const sneaky = { ...updated, certificateDer: randomBytes(10), serial: '01', notAfterMs: 1, createdAt: 5 };
        expect(await pki.updateIssuer(a, sneaky)).toBe('ok');
        expect(await pki.getIssuer(a, i.id)).toEqual(updated);
        expect(await pki.updateIssuer(a, updated)).toBe('ok');
        expect(await pki.updateIssuer(a, { ...updated, name: 'two' })).toBe('name_taken');
        expect(await pki.updateIssuer(a, { ...updated, id: randomUUID() })).toBe('missing');
        expect((await pki.getIssuer(a, i.id))?.name).toBe('uno');
      });

      it('ok/deleteIssuer clears the default issuer only when it pointed there', async () => {
        const first = issuer();
        const second = issuer();
        await pki.applyChange(a, change({ issuers: [first, second], defaultIssuer: 'if-unset' }));
        expect(await pki.deleteIssuer(a, second.id)).toBe(true);
        expect((await defaults(a)).issuers).toEqual({ default: first.id, default_follows_latest_issuer: false });
        expect(await pki.deleteIssuer(a, first.id)).toBe(true);
        expect((await defaults(a)).issuers).toEqual({ default: '', default_follows_latest_issuer: false });
        expect(await pki.deleteIssuer(a, first.id)).toBe(false);
        expect(await pki.listIssuers(a)).toEqual([]);
      });

      it('ok/deleteAllIssuersAndKeys empties issuers, keys and both defaults, and nothing else', async () => {
        const { i } = await ca(a);
        const more = change({ keys: [key()], issuers: [issuer()], certs: [cert({ issuerId: i.id })], defaultIssuer: 'always', defaultKey: 'if-unset' });
        await pki.applyChange(a, more);
        await pki.setConfig(a, 'issuers', { ...(await defaults(a)).issuers, default_follows_latest_issuer: true });
        await pki.setConfig(a, 'urls', { ocsp_servers: ['x'] });
        await pki.putRole(a, 'web', { ttl: 60 });
        const other = await ca(b);
        await pki.deleteAllIssuersAndKeys(a);
        expect(await pki.listIssuers(a)).toEqual([]);
        expect(await pki.listKeys(a)).toEqual([]);
        expect(await defaults(a)).toEqual({ issuers: { default: '', default_follows_latest_issuer: true }, keys: { default: '' } });
        expect(await pki.getConfig(a, 'urls')).toEqual({ ocsp_servers: ['x'] });
        expect(await pki.listRoles(a)).toEqual(['web']);
        expect(await pki.listCertSerials(a)).toHaveLength(1);
        expect(await pki.getIssuer(b, other.i.id)).toEqual(other.i);
        expect(await pki.getKey(b, other.k.id)).toEqual(other.k);
      });
    });

    describe('applyChange', () => {
      it('ok/stores keys, issuers and certificates together and reports their ids', async () => {
        const k = key();
        const i = issuer({ keyId: k.id });
        const c = cert({ serial: i.serial, issuerId: i.id, certificateDer: i.certificateDer });
        const loose = issuer();
        expect(await pki.applyChange(a, change({ keys: [k], issuers: [i, loose], certs: [c] }))).toEqual({
          insertedKeys: [k.id], existingKeys: [], insertedIssuers: [i.id, loose.id], existingIssuers: [], issuerKeys: { [i.id]: k.id, [loose.id]: null },
        });
        expect(await pki.getCert(a, c.serial)).toEqual(c);
      });

      it('ok/a key already stored is reused and new issuers are linked to it', async () => {
        const { k } = await ca(a);
        const again = key({ publicKeyDer: Buffer.from(k.publicKeyDer), sealedPrivateKey: randomBytes(160) });
        const cross = issuer({ keyId: again.id });
        expect(await pki.applyChange(a, change({ keys: [again], issuers: [cross] }))).toEqual({
          insertedKeys: [], existingKeys: [k.id], insertedIssuers: [cross.id], existingIssuers: [], issuerKeys: { [cross.id]: k.id },
        });
        expect((await pki.getIssuer(a, cross.id))?.keyId).toBe(k.id);
        expect(await pki.getKey(a, again.id)).toBeNull();
        expect(await pki.getKey(a, k.id)).toEqual(k); // the stored private key is not replaced
        expect(await pki.listKeys(a)).toHaveLength(1);
      });

      it('ok/an issuer already stored is reused; its certificate serial is skipped silently', async () => {
        const { k, i } = await ca(a);
        const first = cert({ serial: i.serial, issuerId: i.id });
        await pki.applyChange(a, change({ certs: [first] }));
        const reimport = issuer({ certificateDer: Buffer.from(i.certificateDer), keyId: k.id, name: 'ignored' });
        const leaf = cert({ issuerId: reimport.id });
        const result = await pki.applyChange(a, change({ issuers: [reimport], certs: [cert({ serial: i.serial }), leaf] }));
        expect(result).toEqual({ insertedKeys: [], existingKeys: [], insertedIssuers: [], existingIssuers: [i.id], issuerKeys: { [i.id]: k.id } });
        expect(await pki.listIssuers(a)).toEqual([i]);
        expect(await pki.getCert(a, i.serial)).toEqual(first);
        expect((await pki.getCert(a, leaf.serial))?.issuerId).toBe(i.id);
      });

      it('ok/a certificate imported without its key is linked when the key comes with it', async () => {
        const bare = issuer();
        await pki.applyChange(a, change({ issuers: [bare] }));
        const k = key();
        const bundle = issuer({ certificateDer: Buffer.from(bare.certificateDer), keyId: k.id });
        const result = await pki.applyChange(a, change({ keys: [k], issuers: [bundle] }));
        expect(result).toMatchObject({ insertedKeys: [k.id], existingIssuers: [bare.id], issuerKeys: { [bare.id]: k.id } });
        expect((await pki.getIssuer(a, bare.id))?.keyId).toBe(k.id);
        expect(await pki.deleteKey(a, k.id)).toBe('in_use');
      });

      it('fail/a change that cannot be stored leaves nothing behind', async () => {
        const k = key();
        const broken = issuer({ keyId: randomUUID() }); // no such key in the mount
        const bad = change({ keys: [k], issuers: [issuer(), broken], certs: [cert()], defaultIssuer: 'always', defaultKey: 'if-unset' });
        await expect(pki.applyChange(a, bad)).rejects.toThrow();
        expect(await backend.countPkiRows(a)).toBe(0);
      });

      const mode = (m: 'if-unset' | 'always' | 'never') => m;
      it.each([
        ['ok/if-unset fills a missing default', undefined, mode('if-unset'), 'new'],
        ['ok/if-unset fills an empty default', '', mode('if-unset'), 'new'],
        ['ok/if-unset keeps a set default', 'old', mode('if-unset'), 'old'],
        ['ok/always replaces a set default', 'old', mode('always'), 'new'],
        ['ok/never keeps a set default', 'old', mode('never'), 'old'],
        ['ok/never leaves a missing default missing', undefined, mode('never'), undefined],
      ])('%s (issuers and keys)', async (_name, before, how, after) => {
        const ids = { old: randomUUID(), new: '' };
        if (before !== undefined) {
          await pki.setConfig(a, 'issuers', { default: before && ids.old, default_follows_latest_issuer: true });
          await pki.setConfig(a, 'keys', { default: before && ids.old });
        }
        const [k1, k2] = [key(), key()];
        const [i1, i2] = [issuer({ keyId: k1.id }), issuer()];
        ids.new = i1.id;
        await pki.applyChange(a, change({ keys: [k1, k2], issuers: [i1, i2], defaultIssuer: how, defaultKey: how === 'always' ? 'if-unset' : how }));
        const now = await defaults(a);
        const expected = (id: string) => (after === 'new' ? id : after === 'old' ? ids.old : undefined);
        expect(now.issuers?.default).toBe(expected(i1.id));
        if (before !== undefined) expect(now.issuers).toMatchObject({ default_follows_latest_issuer: true });
        if (how !== 'always') expect(now.keys?.default).toBe(expected(k1.id));
      });

      it('ok/always points the default at the stored issuer when the first one already existed', async () => {
        const { i } = await ca(a);
        await pki.applyChange(a, change({ issuers: [issuer()], defaultIssuer: 'always' }));
        await pki.applyChange(a, change({ issuers: [issuer({ certificateDer: Buffer.from(i.certificateDer) })], defaultIssuer: 'always' }));
        expect((await defaults(a)).issuers?.default).toBe(i.id);
      });
    });

    describe('config and roles', () => {
      it('ok/config documents per name', async () => {
        expect(await pki.getConfig(a, 'crl')).toBeNull();
        await pki.setConfig(a, 'crl', { expiry: '72h', disable: false });
        await pki.setConfig(a, 'auto-tidy', { enabled: true });
        await pki.setConfig(a, 'crl', { expiry: '24h', disable: true });
        expect(await pki.getConfig(a, 'crl')).toEqual({ expiry: '24h', disable: true });
        expect(await pki.getConfig(a, 'auto-tidy')).toEqual({ enabled: true });
      });

      it('ok+fail/roles are JSON documents listed by name', async () => {
        expect(await pki.getRole(a, 'web')).toBeNull();
        await pki.putRole(a, 'web', { allowed_domains: ['example.com'], ttl: 3600 });
        await pki.putRole(a, 'api', { ttl: 60 });
        await pki.putRole(a, 'web', { allowed_domains: ['example.org'] });
        expect(await pki.getRole(a, 'web')).toEqual({ allowed_domains: ['example.org'] });
        expect(await pki.listRoles(a)).toEqual(['api', 'web']);
        expect(await pki.deleteRole(a, 'api')).toBe(true);
        expect(await pki.deleteRole(a, 'api')).toBe(false);
        expect(await pki.listRoles(a)).toEqual(['web']);
      });
    });

    describe('certificates', () => {
      it('ok+fail/insertCert stores once per serial; listCertSerials is in serial order', async () => {
        const certs = Array.from({ length: 20 }, () => cert());
        for (const c of certs) expect(await pki.insertCert(a, c)).toBe('ok');
        expect(await pki.insertCert(a, cert({ serial: certs[3]!.serial }))).toBe('duplicate');
        expect(await pki.getCert(a, certs[3]!.serial)).toEqual(certs[3]);
        expect(await pki.getCert(a, serial())).toBeNull();
        expect(await pki.listCertSerials(a)).toEqual(certs.map((c) => c.serial).sort());
        expect(await pki.listCertSerials(b)).toEqual([]);
      });

      it('ok/two stores on the same data: exactly one of two inserts of a serial wins', async () => {
        const other = (await backend.openAnother()).pki;
        for (let n = 0; n < 25; n++) {
          const s = serial();
          const pair = n % 2 ? [pki, other] : [other, pki];
          const results = await Promise.all(pair.map((p) => p.insertCert(a, cert({ serial: s }))));
          expect(results.sort()).toEqual(['duplicate', 'ok']);
        }
        expect(await other.listCertSerials(a)).toEqual(await pki.listCertSerials(a));
      });
    });

    describe('revocations and CRLs', () => {
      const revocation = (over: Partial<{ serial: string; issuerId: string | null; revokedAtMs: number; reason: number | null }> = {}) => ({
        serial: serial(),
        issuerId: 'issuer-1',
        revokedAtMs: 1000,
        reason: null,
        ...over,
      });

      it('ok/revokeCert is idempotent and keeps the first revocation', async () => {
        const first = await pki.revokeCert(a, revocation({ serial: 'aa:bb', revokedAtMs: 5 }));
        expect(first.created).toBe(true);
        const again = await pki.revokeCert(a, revocation({ serial: 'aa:bb', revokedAtMs: 9, reason: 1 }));
        expect(again).toEqual({ created: false, record: first.record });
        expect(await pki.getRevocation(a, 'aa:bb')).toEqual(first.record);
        expect(await pki.getRevocation(b, 'aa:bb')).toBeNull();
        expect(await pki.listRevokedSerials(a)).toEqual(['aa:bb']);
      });

      it('ok/listRevocations filters by issuer and by seq, in revocation order', async () => {
        const made = [];
        for (let n = 0; n < 6; n++) made.push((await pki.revokeCert(a, revocation({ issuerId: n % 2 ? 'odd' : 'even', reason: n }))).record);
        const even = await pki.listRevocations(a, 'even');
        expect(even.map((r) => r.serial)).toEqual([made[0]!.serial, made[2]!.serial, made[4]!.serial]);
        expect((await pki.listRevocations(a, 'even', made[2]!.seq)).map((r) => r.serial)).toEqual([made[4]!.serial]);
        expect(await pki.latestRevocationSeq(a)).toBe(made[5]!.seq);
        expect(await pki.latestRevocationSeq(b)).toBe(0);
      });

      it('ok/CRL numbers are monotonic across two stores; an older CRL never replaces a newer one', async () => {
        const other = (await backend.openAnother()).pki;
        const numbers = [];
        for (let n = 0; n < 10; n++) numbers.push(await (n % 2 ? other : pki).nextCrlNumber(a, 'i'));
        expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await pki.nextCrlNumber(a, 'j')).toBe(1);
        const crl = (number: number) => ({ issuerId: 'i', delta: false, number, baseNumber: null, der: randomBytes(8), thisUpdateMs: number, nextUpdateMs: number + 1, coversSeq: number });
        await pki.saveCrl(a, crl(5));
        await other.saveCrl(a, crl(3));
        expect((await pki.getCrl(a, 'i', false))?.number).toBe(5);
        const newer = crl(7);
        await other.saveCrl(a, newer);
        expect(await pki.getCrl(a, 'i', false)).toEqual(newer);
        expect(await pki.getCrl(a, 'i', true)).toBeNull();
      });
    });

    describe('tidy', () => {
      /** Runs batches until the store says the walk is done; returns every batch. */
      const walkCerts = async (m: string, before: number, limit: number) => {
        const batches = [];
        let cursor: PkiCertCursor | null = null;
        do {
          const batch: PkiTidyCertBatch = await pki.deleteExpiredCerts(m, before, cursor, limit);
          batches.push(batch);
          cursor = batch.next;
        } while (cursor && batches.length < 100);
        return batches;
      };
      const walkRevocations = async (m: string, before: number, limit: number) => {
        const batches: PkiTidyRevocationBatch[] = [];
        let afterSeq: number | null = 0;
        do {
          const batch: PkiTidyRevocationBatch = await pki.deleteExpiredRevocations(m, before, afterSeq, limit);
          batches.push(batch);
          afterSeq = batch.nextSeq;
        } while (afterSeq !== null && batches.length < 100);
        return batches;
      };
      const revoke = (m: string, s: string, issuerId: string | null) => pki.revokeCert(m, { serial: s, issuerId, revokedAtMs: 1, reason: null });

      it('ok/deleteExpiredCerts deletes expired certificates in batches, keeps valid and revoked ones and other mounts\' rows', async () => {
        const expired = Array.from({ length: 10 }, (_, n) => cert({ notAfterMs: 1000 + (n % 3) }));
        const valid = [cert({ notAfterMs: 2000 }), cert({ notAfterMs: 9000 })]; // 2000: not strictly before the cutoff
        const revoked = cert({ notAfterMs: 500 });
        await pki.applyChange(a, change({ certs: [...expired, ...valid, revoked] }));
        await pki.applyChange(b, change({ certs: [cert({ notAfterMs: 1000 })] }));
        await revoke(a, revoked.serial, null);
        const batches = await walkCerts(a, 2000, 4);
        expect(batches.map((x) => x.deleted)).toEqual([3, 4, 3]); // the revoked one is examined first and skipped
        expect(batches.at(-1)!.next).toBeNull();
        expect(batches[0]!.next).toEqual({ notAfterMs: expect.any(Number), serial: expect.any(String) });
        expect(await pki.listCertSerials(a)).toEqual([...valid, revoked].map((c) => c.serial).sort());
        expect(await pki.listCertSerials(b)).toHaveLength(1);
        expect(await walkCerts(a, 2000, 4)).toEqual([{ deleted: 0, next: null }]);
      });

      it('ok/deleteExpiredRevocations removes expired revocations with their certificates, reports their issuers, keeps unknown ones', async () => {
        const i1 = issuer({ notAfterMs: 900 }); // a revoked intermediate: known from the issuers only
        await pki.applyChange(a, change({ issuers: [i1] }));
        const [e1, e2, live] = [cert({ notAfterMs: 100 }), cert({ notAfterMs: 200 }), cert({ notAfterMs: 5000 })];
        await pki.applyChange(a, change({ certs: [e1!, e2!, live!] }));
        await revoke(a, e1!.serial, 'issuer-1');
        await revoke(a, live!.serial, 'issuer-1');
        await revoke(a, 'aa:bb', 'issuer-1'); // certificate unknown: kept
        await revoke(a, e2!.serial, 'issuer-2');
        await revoke(a, i1.serial, 'parent');
        await revoke(a, 'cc:dd', null);
        await revoke(b, e1!.serial, 'issuer-1');
        const batches = await walkRevocations(a, 1000, 2);
        expect(batches).toHaveLength(4); // three full pages, then an empty one
        expect(batches.reduce((n, x) => n + x.revocationsDeleted, 0)).toBe(3);
        expect(batches.reduce((n, x) => n + x.certsDeleted, 0)).toBe(2);
        expect([...new Set(batches.flatMap((x) => x.issuerIds))].sort()).toEqual(['issuer-1', 'issuer-2', 'parent']);
        expect(await pki.listRevokedSerials(a)).toEqual(['aa:bb', 'cc:dd', live!.serial].sort());
        expect(await pki.listCertSerials(a)).toEqual([live!.serial]);
        expect(await pki.getIssuer(a, i1.id)).not.toBeNull(); // only its revocation went
        expect(await pki.listRevokedSerials(b)).toEqual([e1!.serial]);
        expect(await pki.countRevocations(a, 'issuer-1')).toBe(2);
      });

      it('ok/listOrphanRevocations finds revocations without a valid issuer, with their certificates; setRevocationIssuer moves one', async () => {
        const i = issuer();
        const gone = issuer();
        await pki.applyChange(a, change({ issuers: [i, gone] }));
        const [c1, c2] = [cert(), cert()];
        await pki.applyChange(a, change({ certs: [c1!, c2!] }));
        await revoke(a, c1!.serial, i.id); // fine
        await revoke(a, c2!.serial, null); // no issuer, certificate stored
        await revoke(a, 'aa:bb', gone.id); // issuer deleted below, certificate unknown
        await revoke(a, gone.serial, gone.id); // its own serial: the certificate comes from the issuer row... until deleted
        await revoke(b, 'aa:bb', null);
        const gonesDer = gone.certificateDer;
        expect(await pki.deleteIssuer(a, gone.id)).toBe(true);
        await pki.applyChange(a, change({ issuers: [issuer({ serial: gone.serial, certificateDer: gonesDer })] }));
        const orphans = [];
        let afterSeq: number | null = 0;
        let pages = 0;
        do {
          const page: { orphans: PkiOrphanRevocation[]; nextSeq: number | null } = await pki.listOrphanRevocations(a, afterSeq, 2);
          orphans.push(...page.orphans);
          afterSeq = page.nextSeq;
          pages++;
        } while (afterSeq !== null);
        expect(pages).toBe(3);
        expect(orphans.map((o) => [o.serial, o.issuerId, o.certificateDer])).toEqual([
          [c2!.serial, null, c2!.certificateDer],
          ['aa:bb', gone.id, null],
          [gone.serial, gone.id, gonesDer],
        ]);
        expect(orphans.map((o) => o.seq)).toEqual([...orphans.map((o) => o.seq)].sort((x, y) => x - y));
        expect(await pki.setRevocationIssuer(a, 'aa:bb', i.id)).toBe(true);
        expect(await pki.setRevocationIssuer(a, 'ee:ff', i.id)).toBe(false);
        expect((await pki.getRevocation(a, 'aa:bb'))?.issuerId).toBe(i.id);
        expect((await pki.getRevocation(b, 'aa:bb'))?.issuerId).toBeNull();
        expect((await pki.listOrphanRevocations(a, 0, 100)).orphans.map((o) => o.serial)).toEqual([c2!.serial, gone.serial]);
      });

      it('ok/countCertsAndRevocations and listExpiredIssuers are per mount', async () => {
        const old = issuer({ notAfterMs: 100 });
        const current = issuer({ notAfterMs: 10_000 });
        await pki.applyChange(a, change({ issuers: [old, current], certs: [cert(), cert(), cert()] }));
        await pki.applyChange(b, change({ certs: [cert()] }));
        await revoke(a, 'aa:bb', null);
        expect(await pki.countCertsAndRevocations(a)).toEqual({ certs: 3, revocations: 1 });
        expect(await pki.countCertsAndRevocations(b)).toEqual({ certs: 1, revocations: 0 });
        expect(await pki.listExpiredIssuers(a, 1000)).toEqual([old]);
        expect(await pki.listExpiredIssuers(a, 100)).toEqual([]);
        expect(await pki.listExpiredIssuers(b, 1e12)).toEqual([]);
      });
    });

    describe('mounts', () => {
      it('ok/two mounts hold the same names, keys, certificates and serials independently', async () => {
        const k = key({ name: 'k' });
        const i = issuer({ name: 'i', keyId: k.id });
        const c = cert();
        for (const m of [a, b]) {
          const kk = m === a ? k : { ...k, id: randomUUID() };
          const ii = m === a ? i : { ...i, id: randomUUID(), keyId: kk.id };
          expect((await pki.applyChange(m, change({ keys: [kk], issuers: [ii], defaultIssuer: 'if-unset' }))).insertedIssuers).toEqual([ii.id]);
          expect(await pki.insertCert(m, c)).toBe('ok');
          await pki.putRole(m, 'web', { m });
        }
        expect(await pki.getKey(b, k.id)).toBeNull();
        expect(await pki.getIssuer(b, i.id)).toBeNull();
        expect((await pki.findKeyByName(b, 'k'))?.id).not.toBe(k.id);
        expect((await pki.findKeyByPublicKey(b, k.publicKeyDer))?.id).not.toBe(k.id);
        expect((await pki.findIssuerByName(b, 'i'))?.id).not.toBe(i.id);
        expect(await pki.renameKey(b, k.id, 'x')).toBe('missing');
        expect(await pki.deleteKey(b, k.id)).toBe('missing');
        expect(await pki.updateIssuer(b, i)).toBe('missing');
        expect(await pki.deleteIssuer(b, i.id)).toBe(false);
        expect(await pki.getRole(b, 'web')).toEqual({ m: b });
        expect((await defaults(b)).issuers?.default).not.toBe(i.id);
        await pki.deleteAllIssuersAndKeys(b);
        expect(await pki.listIssuers(a)).toEqual([i]);
      });

      it('ok/disabling a mount deletes its PKI state and only its own', async () => {
        for (const m of [a, b]) {
          const { i } = await ca(m, { issuer: { name: 'root' } });
          await pki.applyChange(m, change({ certs: [cert({ issuerId: i.id })], defaultIssuer: 'always', defaultKey: 'if-unset' }));
          await pki.putRole(m, 'web', {});
          await pki.setConfig(m, 'crl', {});
          await pki.revokeCert(m, { serial: '01', issuerId: i.id, revokedAtMs: 1, reason: null });
          await pki.nextCrlNumber(m, i.id);
        }
        const before = await backend.countPkiRows(a);
        expect(before).toBeGreaterThanOrEqual(7);
        expect(await backend.store.mounts.delete('secret', 'pki/')).toBe(true);
        expect(await backend.countPkiRows(a)).toBe(0);
        expect(await backend.countPkiRows(b)).toBe(before);
      });
    });
  });
}
