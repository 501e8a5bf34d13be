/**
 * CRLs built by crl.ts, judged by `openssl crl` (signature and text) and by
 * @peculiar/asn1-x509's CertificateList, from empty to 100,000 entries; and parseCrlInfo
 * checked against CRLs made by `openssl ca -gencrl`.
 */
import { spawnSync } from 'node:child_process';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, id_ce_cRLReasons } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { buildCrl, type CrlEntry, type CrlParams, CrlReason, crlToPem, parseCrlInfo } from '../../src/pki/crl.js';
import { readTime, writeTime } from '../../src/pki/crl-time.js';
import * as der from '../../src/pki/der.js';
import { generateKeyPair, type KeyPair } from '../../src/pki/keys.js';
import { makeRoot, openssl, opensslOk, type TestCa, tempDir } from './support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const hour = 3_600_000;
const now = Date.UTC(2026, 5, 1, 12, 0, 0);

interface Issuer {
  name: string;
  ca: TestCa;
  keys: KeyPair;
  pemPath: string;
  /** What `openssl crl -text` prints as the signature algorithm. */
  signature: RegExp;
}
const issuers: Issuer[] = [];

beforeAll(async () => {
  const specs = [
    { name: 'P-256', type: 'ec', bits: 256, usePss: false, signatureBits: 0, signature: /ecdsa-with-SHA256/ },
    { name: 'RSA-2048', type: 'rsa', bits: 2048, usePss: false, signatureBits: 0, signature: /sha256WithRSAEncryption/ },
    { name: 'RSA-2048 PSS SHA-384', type: 'rsa', bits: 2048, usePss: true, signatureBits: 384, signature: /rsassaPss[\s\S]*sha384/ },
    { name: 'Ed25519', type: 'ed25519', bits: 0, usePss: false, signatureBits: 0, signature: /ED25519/i },
  ] as const;
  for (const spec of specs) {
    const keys = await generateKeyPair(spec.type, spec.bits);
    const ca = makeRoot(keys, [{ type: 'O', value: 'mintca' }, { type: 'CN', value: `CRL issuer ${spec.name}` }], {
      usePss: spec.usePss,
      signatureBits: spec.signatureBits,
    });
    issuers.push({ name: spec.name, ca, keys, pemPath: tmp.write(`${spec.name.replace(/\W+/g, '_')}.pem`, ca.pem), signature: spec.signature });
  }
});

const ec = (): Issuer => issuers[0]!;

let fileCounter = 0;
function writeDer(der: Buffer): string {
  return tmp.write(`crl-${fileCounter++}.der`, der);
}

/** `openssl crl` on a DER file; large outputs allowed. Returns stdout + stderr. */
function opensslCrl(der: Buffer, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', writeDer(der), ...args], { maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout.toString('utf8') + r.stderr.toString('utf8') };
}

function expectSignatureVerifies(der: Buffer, issuer: Issuer): void {
  const r = opensslCrl(der, ['-CAfile', issuer.pemPath, '-noout']);
  expect(r.out).toContain('verify OK');
  expect(r.status).toBe(0);
  expect(parseCrlInfo(der).verifySignedBy(issuer.keys.publicKey)).toBe(true);
}

const crlText = (der: Buffer): string => {
  const r = opensslCrl(der, ['-text', '-noout']);
  expect(r.status).toBe(0);
  return r.out;
};

/** A serial whose top bit is set, so its INTEGER needs a 0x00 pad byte. */
const serial = (hex: string): Buffer => Buffer.from(hex, 'hex');

function params(issuer: Issuer, overrides: Partial<CrlParams> = {}): CrlParams {
  return {
    issuer: issuer.ca.issuer,
    thisUpdateMs: now,
    nextUpdateMs: now + 72 * hour,
    crlNumber: 7,
    entries: [],
    ...overrides,
  };
}

const threeEntries: CrlEntry[] = [
  { serial: serial('39dd2e90b7231f8dd37d31c51bda84d05b653158'), revokedAtMs: now - 2 * hour },
  { serial: serial('00c0ffee'), revokedAtMs: now - hour, reason: CrlReason.keyCompromise },
  { serial: serial('0a'), revokedAtMs: now - 1000, reason: CrlReason.superseded },
];

function libraryParse(der: Buffer, maxNodes?: number): CertificateList {
  return AsnConvert.parse(der, CertificateList, maxNodes ? { berOptions: { maxNodes } } : undefined);
}

/** openssl's date form: `Jun  1 10:00:00 2026 GMT`. */
function opensslDate(ms: number): string {
  const d = new Date(ms);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const time = d.toISOString().slice(11, 19);
  return `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()} GMT`;
}

describe('full CRLs', () => {
  test('ok/empty: no revokedCertificates field at all, signed, numbered', () => {
    const crl = buildCrl(params(ec(), { crlNumber: 1n }));
    expectSignatureVerifies(crl, ec());
    const text = crlText(crl);
    expect(text).toContain('No Revoked Certificates.');
    expect(text).toMatch(/X509v3 CRL Number: \n\s+1\n/);
    expect(text).toContain(`Last Update: ${opensslDate(now)}`);
    expect(text).toContain(`Next Update: ${opensslDate(now + 72 * hour)}`);

    const parsed = libraryParse(crl);
    expect(parsed.tbsCertList.version).toBe(1); // v2
    expect(parsed.tbsCertList.revokedCertificates).toBeUndefined();
    // version, signature, issuer, thisUpdate, nextUpdate, [0] crlExtensions: no empty SEQUENCE.
    const tbs = Buffer.from(parsed.tbsCertListRaw!);
    const info = parseCrlInfo(crl);
    expect(info.tbsDer.equals(tbs)).toBe(true);
    expect(info.entries).toEqual([]);
    expect(info.crlNumber).toBe(1n);
    expect(info.deltaBaseCrlNumber).toBeNull();
    expect(info.thisUpdateMs).toBe(now);
    expect(info.nextUpdateMs).toBe(now + 72 * hour);
  });

  test('ok/three entries with reasons, AKID, IDP and FreshestCRL', () => {
    const crl = buildCrl(
      params(ec(), {
        entries: threeEntries,
        issuingDistributionPoint: ['http://ca.example.com/v1/pki/crl'],
        freshestCrl: ['http://ca.example.com/v1/pki/crl/delta', 'ldap://ldap.example.com/cn=delta'],
      }),
    );
    expectSignatureVerifies(crl, ec());
    const text = crlText(crl);
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toMatch(/X509v3 CRL Number: \n\s+7\n/);
    const skid = ec().ca.issuer.subjectKeyId.toString('hex').toUpperCase().match(/../g)!.join(':');
    expect(text).toMatch(new RegExp(`X509v3 Authority Key Identifier: \\n\\s+(keyid:)?${skid}`));
    expect(text).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Full Name:\n\s+URI:http:\/\/ca.example.com\/v1\/pki\/crl\n/);
    expect(text).toMatch(/X509v3 Freshest CRL: \n\s+Full Name:\n\s+URI:http:\/\/ca.example.com\/v1\/pki\/crl\/delta\n\s+URI:ldap:\/\/ldap.example.com\/cn=delta\n/);
    expect(text).not.toContain('Delta CRL Indicator');
    expect(text).toMatch(/Serial Number: 39DD2E90B7231F8DD37D31C51BDA84D05B653158\n\s+Revocation Date: .*\n\s+Serial Number: C0FFEE\n/);
    expect(text).toMatch(/Serial Number: C0FFEE\n\s+Revocation Date: .*\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Key Compromise/);
    expect(text).toMatch(/Serial Number: 0A\n\s+Revocation Date: .*\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Superseded/);
    expect(text).toContain(`Revocation Date: ${opensslDate(now - 2 * hour)}`);

    const parsed = libraryParse(crl);
    const revoked = parsed.tbsCertList.revokedCertificates!;
    expect(revoked.map((r) => Buffer.from(r.userCertificate).toString('hex'))).toEqual([
      '39dd2e90b7231f8dd37d31c51bda84d05b653158',
      '00c0ffee', // the INTEGER content: a 0x00 pad keeps it positive
      '0a',
    ]);
    expect(revoked[0]!.crlEntryExtensions).toBeUndefined();
    expect(revoked[1]!.crlEntryExtensions!.map((e) => e.extnID)).toEqual([id_ce_cRLReasons]);
    expect(revoked.map((r) => r.revocationDate.getTime().getTime())).toEqual(threeEntries.map((e) => e.revokedAtMs - (e.revokedAtMs % 1000)));
    const critical = parsed.tbsCertList.crlExtensions!.filter((e) => e.critical).map((e) => e.extnID);
    expect(critical).toEqual(['2.5.29.28']);

    const info = parseCrlInfo(crl);
    expect(info.entries.map((e) => [e.serial.toString('hex'), e.revokedAtMs, e.reason])).toEqual([
      ['39dd2e90b7231f8dd37d31c51bda84d05b653158', now - 2 * hour, null],
      ['c0ffee', now - hour, 1],
      ['0a', now - 1000, 4],
    ]);
    expect(info.authorityKeyId?.equals(ec().ca.issuer.subjectKeyId)).toBe(true);
    expect(info.issuerDer.equals(ec().ca.issuer.subjectDer)).toBe(true);
  });

  test('ok/an explicit unspecified reason writes no entry extension', () => {
    const crl = buildCrl(params(ec(), { entries: [{ serial: serial('01'), revokedAtMs: now, reason: CrlReason.unspecified }] }));
    expect(libraryParse(crl).tbsCertList.revokedCertificates![0]!.crlEntryExtensions).toBeUndefined();
    expect(crlText(crl)).not.toContain('CRL entry extensions');
  });

  test.each(['P-256', 'RSA-2048', 'RSA-2048 PSS SHA-384', 'Ed25519'])('ok/signed by a %s issuer', (name) => {
    const issuer = issuers.find((i) => i.name === name)!;
    const crl = buildCrl(params(issuer, { entries: threeEntries }));
    expectSignatureVerifies(crl, issuer);
    expect(crlText(crl)).toMatch(issuer.signature);
    expect(libraryParse(crl).tbsCertList.revokedCertificates).toHaveLength(3);
  });

  test('ok/entries from a generator (read once)', () => {
    function* entries(): Generator<CrlEntry> {
      for (let i = 1; i <= 5; i++) yield { serial: Buffer.from([i]), revokedAtMs: now - i * 1000, reason: i % 2 };
    }
    const crl = buildCrl(params(ec(), { entries: entries() }));
    expectSignatureVerifies(crl, ec());
    expect(parseCrlInfo(crl).entries.map((e) => e.reason)).toEqual([1, null, 1, null, 1]);
  });

  test('ok/revocation dates: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 5.1.2.6)', () => {
    const times = [Date.UTC(1950, 0, 1), Date.UTC(2049, 11, 31, 23, 59, 59), Date.UTC(2050, 0, 1), Date.UTC(2100, 1, 28, 1, 2, 3)];
    const crl = buildCrl(params(ec(), { entries: times.map((t, i) => ({ serial: Buffer.from([i + 1]), revokedAtMs: t + 999 })) }));
    expectSignatureVerifies(crl, ec());
    const revoked = libraryParse(crl).tbsCertList.revokedCertificates!;
    expect(revoked.map((r) => (r.revocationDate.utcTime ? 'utc' : 'gen'))).toEqual(['utc', 'utc', 'gen', 'gen']);
    expect(revoked.map((r) => r.revocationDate.getTime().getTime())).toEqual(times);
    const text = crlText(crl);
    for (const t of times) expect(text).toContain(`Revocation Date: ${opensslDate(t)}`);
    expect(parseCrlInfo(crl).entries.map((e) => e.revokedAtMs)).toEqual(times);
  });

  test('ok/PEM uses the X509 CRL label that openssl reads', () => {
    const crl = buildCrl(params(ec(), { entries: threeEntries }));
    const pem = crlToPem(crl);
    expect(pem.startsWith('-----BEGIN X509 CRL-----\n')).toBe(true);
    expect(pem.endsWith('-----END X509 CRL-----\n')).toBe(true);
    const out = opensslOk(['crl', '-in', tmp.write('crl.pem', pem), '-noout', '-crlnumber']);
    expect(out.trim()).toBe('crlNumber=0x07');
    expect(parseCrlInfo(pem).der.equals(crl)).toBe(true);
    // @peculiar/x509 2.x writes `BEGIN CRL`: readable too.
    expect(parseCrlInfo(pem.replace(/X509 CRL/g, 'CRL')).entries).toHaveLength(3);
  });

  test('ok/large CRL numbers (20 octets)', () => {
    const big = 2n ** 159n - 1n;
    const crl = buildCrl(params(ec(), { crlNumber: big }));
    expect(parseCrlInfo(crl).crlNumber).toBe(big);
    expect(crlText(crl)).toMatch(/X509v3 CRL Number: \n\s+0x7F{39}\n/);
  });
});

describe('delta CRLs', () => {
  test('ok/critical Delta CRL Indicator, no FreshestCRL, removeFromCRL allowed', () => {
    const crl = buildCrl(
      params(ec(), {
        crlNumber: 12,
        delta: { baseCrlNumber: 10n },
        entries: [...threeEntries, { serial: serial('99'), revokedAtMs: now, reason: CrlReason.removeFromCRL }],
        freshestCrl: ['http://ca.example.com/v1/pki/crl/delta'],
        issuingDistributionPoint: ['http://ca.example.com/v1/pki/crl/delta'],
      }),
    );
    expectSignatureVerifies(crl, ec());
    const text = crlText(crl);
    expect(text).toMatch(/X509v3 Delta CRL Indicator: critical\n\s+10\n/);
    expect(text).toMatch(/X509v3 CRL Number: \n\s+12\n/);
    expect(text).not.toContain('Freshest CRL');
    expect(text).toMatch(/Serial Number: 99\n\s+Revocation Date: .*\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Remove From CRL/);
    const info = parseCrlInfo(crl);
    expect(info.deltaBaseCrlNumber).toBe(10n);
    expect(info.crlNumber).toBe(12n);
    const critical = libraryParse(crl).tbsCertList.crlExtensions!.filter((e) => e.critical).map((e) => e.extnID);
    expect(critical.sort()).toEqual(['2.5.29.27', '2.5.29.28']);
  });

  test('ok/empty delta', () => {
    const crl = buildCrl(params(issuers[1]!, { crlNumber: 3, delta: { baseCrlNumber: 2 } }));
    expectSignatureVerifies(crl, issuers[1]!);
    expect(crlText(crl)).toContain('No Revoked Certificates.');
  });
});

describe('large CRLs', () => {
  const count = 100_000;
  const entries: CrlEntry[] = [];
  for (let i = 0; i < count; i++) {
    const hex = ((BigInt(i + 1) * 0x9e3779b97f4a7c15n) % 2n ** 159n).toString(16);
    entries.push({ serial: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'), revokedAtMs: now - i * 1000, reason: [0, 1, 4][i % 3]! });
  }

  test('ok/100,000 entries: built fast, verified and fully listed by openssl', () => {
    buildCrl(params(ec(), { entries: entries.slice(0, 1000) })); // warm up
    const started = performance.now();
    const crl = buildCrl(params(ec(), { entries, crlNumber: 100 }));
    const buildMs = performance.now() - started;
    const parseStarted = performance.now();
    const info = parseCrlInfo(crl);
    const parseMs = performance.now() - parseStarted;
    console.log(`100,000-entry CRL (P-256): built and signed in ${buildMs.toFixed(1)} ms, ${crl.length} bytes; parseCrlInfo ${parseMs.toFixed(1)} ms`);
    expect(buildMs).toBeLessThan(2000);

    expectSignatureVerifies(crl, ec());
    const text = crlText(crl);
    expect(text.match(/Serial Number: /g)).toHaveLength(count);
    expect(text.match(/Key Compromise/g)).toHaveLength(entries.filter((e) => e.reason === CrlReason.keyCompromise).length);
    expect(info.entries).toHaveLength(count);
    for (const i of [0, 1, 2, 4242, count - 1]) {
      expect(info.entries[i]!.serial.equals(entries[i]!.serial)).toBe(true);
      expect(info.entries[i]!.revokedAtMs).toBe(entries[i]!.revokedAtMs);
      expect(info.entries[i]!.reason).toBe(entries[i]!.reason === 0 ? null : entries[i]!.reason);
    }
  });

  test('ok/100,000-entry RSA delta CRL verifies', () => {
    const issuer = issuers[1]!;
    const crl = buildCrl(params(issuer, { entries, crlNumber: 101, delta: { baseCrlNumber: 100 } }));
    expectSignatureVerifies(crl, issuer);
    expect(parseCrlInfo(crl).entries).toHaveLength(count);
  });

  test('ok/@peculiar/asn1-x509 reads a 2,000-entry CRL once maxNodes is raised', () => {
    const crl = buildCrl(params(ec(), { entries: entries.slice(0, 2000) }));
    const parsed = libraryParse(crl, 100_000);
    expect(parsed.tbsCertList.revokedCertificates).toHaveLength(2000);
    expect(Buffer.from(parsed.tbsCertList.revokedCertificates![1999]!.userCertificate).equals(der.integer(entries[1999]!.serial).subarray(2))).toBe(true);
  });
});

describe('invalid input is a badRequest', () => {
  const cases: [string, Partial<CrlParams>][] = [
    ['fail/nextUpdate before thisUpdate', { nextUpdateMs: now - 1000 }],
    ['fail/non-finite thisUpdate', { thisUpdateMs: Number.NaN }],
    ['fail/negative CRL number', { crlNumber: -1 }],
    ['fail/fractional CRL number', { crlNumber: 1.5 }],
    ['fail/fractional delta base', { crlNumber: 5, delta: { baseCrlNumber: 0.5 } }],
    ['fail/CRL number over 20 octets', { crlNumber: 2n ** 160n }],
    ['fail/delta base not below the CRL number', { crlNumber: 5, delta: { baseCrlNumber: 5 } }],
    ['fail/removeFromCRL on a full CRL', { entries: [{ serial: serial('01'), revokedAtMs: now, reason: 8 }] }],
    ['fail/reason 7 is unused', { entries: [{ serial: serial('01'), revokedAtMs: now, reason: 7 }] }],
    ['fail/reason out of range', { entries: [{ serial: serial('01'), revokedAtMs: now, reason: 11 }] }],
    ['fail/empty serial', { entries: [{ serial: Buffer.alloc(0), revokedAtMs: now }] }],
    ['fail/serial over 64 octets', { entries: [{ serial: Buffer.alloc(65, 1), revokedAtMs: now }] }],
    ['fail/revocation time NaN', { entries: [{ serial: serial('01'), revokedAtMs: Number.NaN }] }],
    ['fail/revocation time past 9999', { entries: [{ serial: serial('01'), revokedAtMs: Date.UTC(10000, 0, 1) }] }],
    ['fail/non-ASCII IDP URL', { issuingDistributionPoint: ['http://exämple.com/crl'] }],
  ];
  test.each(cases)('%s', (_name, overrides) => {
    let error: unknown;
    try {
      buildCrl(params(ec(), overrides));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).kind).toBe('bad_request');
  });

  test('fail/parseCrlInfo on garbage, truncation and a certificate', () => {
    const crl = buildCrl(params(ec(), { entries: threeEntries }));
    for (const input of [Buffer.from('not a crl'), crl.subarray(0, crl.length - 10), ec().ca.der, Buffer.alloc(0)]) {
      expect(() => parseCrlInfo(input)).toThrow(CaError);
    }
  });
});

describe('parseCrlInfo reads what openssl ca -gencrl writes', () => {
  test('ok/openssl CRL with reasons and a CRL number', () => {
    const dir = tmp.dir;
    const index = [
      'R\t351231235959Z\t260101000000Z\t0A\tunknown\t/CN=a',
      'R\t351231235959Z\t260102030405Z,keyCompromise\t00C0FFEE\tunknown\t/CN=b',
      'V\t351231235959Z\t\t0B\tunknown\t/CN=c',
      'R\t351231235959Z\t260103000000Z,superseded\t39DD2E90\tunknown\t/CN=d',
    ].join('\n');
    tmp.write('index.txt', `${index}\n`);
    tmp.write('index.txt.attr', 'unique_subject = no\n');
    tmp.write('crlnumber', '2A\n');
    const config = tmp.write(
      'ca.cnf',
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 3\ncrl_extensions = e\n[e]\nauthorityKeyIdentifier = keyid:always\n`,
    );
    const issuer = issuers[1]!;
    const keyPath = tmp.write('rsa.key', issuer.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const outPath = `${dir}/openssl.crl`;
    const r = openssl(['ca', '-config', config, '-gencrl', '-keyfile', keyPath, '-cert', issuer.pemPath, '-out', outPath]);
    expect(r.status, r.stderr).toBe(0);
    const pem = opensslOk(['crl', '-in', outPath]);
    const info = parseCrlInfo(pem);
    expect(info.version).toBe(2);
    expect(info.crlNumber).toBe(0x2an);
    expect(info.verifySignedBy(issuer.keys.publicKey)).toBe(true);
    expect(info.verifySignedBy(ec().keys.publicKey)).toBe(false);
    expect(info.authorityKeyId?.equals(issuer.ca.issuer.subjectKeyId)).toBe(true);
    expect(info.entries.map((e) => [e.serial.toString('hex'), new Date(e.revokedAtMs).toISOString(), e.reason])).toEqual([
      ['0a', '2026-01-01T00:00:00.000Z', null],
      ['c0ffee', '2026-01-02T03:04:05.000Z', 1],
      ['39dd2e90', '2026-01-03T00:00:00.000Z', 4],
    ]);
  });
});

describe('crl-time', () => {
  test('ok/writeTime and readTime agree with der.time over 0001-9999', () => {
    const out = Buffer.alloc(17);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = [Date.UTC(1950, 0, 1), Date.UTC(1949, 11, 31, 23, 59, 59), Date.UTC(2000, 1, 29), Date.UTC(2050, 0, 1) - 1, 0, -1];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((random() * 2 - 0.9) * 2.5e14));
    for (const ms of samples) {
      if (ms < Date.parse('0001-01-01T00:00:00Z') || ms >= Date.parse('9999-12-31T00:00:00Z')) continue;
      const expected = der.time(ms);
      const end = writeTime(out, 0, ms);
      expect(out.subarray(0, end).toString('hex'), new Date(ms).toISOString()).toBe(expected.toString('hex'));
      expect(readTime(expected[0]!, expected, 2, expected.length)).toBe(Math.floor(ms / 1000) * 1000);
    }
  });
});
