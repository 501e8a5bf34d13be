/**
 * The OCSP responder against real clients: requests made by `openssl ocsp -reqout`, answers
 * judged by `openssl ocsp -respin` (signature, status, times, reason, nonce) and decoded with
 * @peculiar/asn1-ocsp's structures; malformed requests get malformedRequest bytes.
 */
import { verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BasicOCSPResponse,
  CertID,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { CrlReason } from '../../src/pki/crl.js';
import { generateKeyPair, type KeyPair } from '../../src/pki/keys.js';
import { type OcspCertId, OcspRequestError, OcspResponder, parseOcspRequest } from '../../src/pki/ocsp.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner } from '../../src/pki/sign.js';
import { makeRoot, openssl, type TestCa, template, tempDir } from './support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface Setup {
  name: string;
  keys: KeyPair;
  ca: TestCa;
  caPath: string;
  leafPath: string;
  leafSerial: Buffer;
  responder: OcspResponder;
  /** openssl-made requests for the leaf. */
  request: { plain: Buffer; nonce: Buffer; sha256: Buffer };
}
const setups: Setup[] = [];
const ec = (): Setup => setups[0]!;

let fileCounter = 0;
const file = (name: string, data: Buffer | string): string => tmp.write(`${fileCounter++}-${name}`, data);

function opensslRequest(caPath: string, leafPath: string, extra: string[]): Buffer {
  const out = `${tmp.dir}/${fileCounter++}-req.der`;
  // openssl wants a CertID digest option before -cert.
  const r = openssl(['ocsp', ...extra, '-issuer', caPath, '-cert', leafPath, '-reqout', out]);
  if (r.status !== 0) throw new Error(`openssl ocsp -reqout failed: ${r.stderr}`);
  return readFileSync(out);
}

beforeAll(async () => {
  const specs = [
    { name: 'P-256', type: 'ec', bits: 256, usePss: false },
    { name: 'RSA-2048', type: 'rsa', bits: 2048, usePss: false },
    { name: 'RSA-2048 PSS', type: 'rsa', bits: 2048, usePss: true },
    { name: 'Ed25519', type: 'ed25519', bits: 0, usePss: false },
  ] as const;
  const leafKeys = await generateKeyPair('ec', 256);
  for (const [i, spec] of specs.entries()) {
    const keys = await generateKeyPair(spec.type, spec.bits);
    const ca = makeRoot(keys, [{ type: 'O', value: 'mintca' }, { type: 'CN', value: `OCSP issuer ${spec.name}` }], { usePss: spec.usePss });
    const leafSerial = Buffer.from(`00c0ffee0${i}`, 'hex').subarray(1);
    const leaf = createSigner(ca.issuer).sign(template(leafKeys.publicKey, { serial: leafSerial }));
    const caPath = file('ca.pem', ca.pem);
    const leafPath = file('leaf.pem', toPem(leaf, 'CERTIFICATE'));
    setups.push({
      name: spec.name,
      keys,
      ca,
      caPath,
      leafPath,
      leafSerial,
      responder: new OcspResponder({ issuerCertificateDer: ca.der, signingPrivateKey: keys.privateKey, usePss: spec.usePss }),
      request: {
        plain: opensslRequest(caPath, leafPath, ['-no_nonce']),
        nonce: opensslRequest(caPath, leafPath, ['-nonce']),
        sha256: opensslRequest(caPath, leafPath, ['-no_nonce', '-sha256']),
      },
    });
  }
});

const hour = 3_600_000;

/** `openssl ocsp -respin` with the leaf: status summary plus "Response verify OK". */
function checkWithLeaf(setup: Setup, response: Buffer, extra: string[] = []): { status: number | null; out: string } {
  const r = openssl(['ocsp', ...extra, '-respin', file('resp.der', response), '-issuer', setup.caPath, '-CAfile', setup.caPath, '-cert', setup.leafPath, '-no_nonce']);
  return { status: r.status, out: r.stdout + r.stderr };
}

/** openssl's date form: `Jun  1 10:00:00 2026 GMT`. */
function opensslDate(ms: number): string {
  const d = new Date(ms);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()} GMT`;
}

/** Decodes a successful response with the library and checks its signature with node:crypto. */
function decodeBasic(response: Buffer, publicKey: KeyObject, pss = false): BasicOCSPResponse {
  const outer = AsnConvert.parse(response, OCSPResponse);
  expect(outer.responseStatus).toBe(OCSPResponseStatus.successful);
  expect(outer.responseBytes!.responseType).toBe(id_pkix_ocsp_basic);
  const basic = AsnConvert.parse(outer.responseBytes!.response.buffer, BasicOCSPResponse);
  expect(basic.certs).toBeUndefined();
  const tbs = Buffer.from(basic.tbsResponseDataRaw!);
  const signature = Buffer.from(basic.signature);
  const type = publicKey.asymmetricKeyType;
  const hash = type === 'ed25519' ? null : 'sha256';
  const key = pss ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { key: publicKey, dsaEncoding: 'der' as const };
  expect(cryptoVerify(hash, tbs, key, signature)).toBe(true);
  return basic;
}

describe('parseOcspRequest', () => {
  test('ok/openssl request without nonce', () => {
    const setup = ec();
    const parsed = parseOcspRequest(setup.request.plain);
    expect(parsed.nonce).toBeUndefined();
    expect(parsed.certIds).toHaveLength(1);
    const id = parsed.certIds[0]!;
    expect(id.hashAlgorithmOid).toBe(OID.sha1);
    expect(id.serial.equals(setup.leafSerial)).toBe(true);
    expect(id.issuerKeyHash.equals(setup.responder.keyId)).toBe(true);
    expect(setup.responder.matches(id)).toBe(true);
    // The raw CertID is the library's CertID, byte for byte.
    const library = AsnConvert.parse(setup.request.plain, OCSPRequest).tbsRequest.requestList[0]!.reqCert;
    expect(id.der!.equals(Buffer.from(AsnConvert.serialize(library)))).toBe(true);
    expect(id.der!.equals(setup.responder.certIdFor(setup.leafSerial).der!)).toBe(true);
  });

  test('ok/openssl request with nonce: the extnValue content is kept to echo', () => {
    const parsed = parseOcspRequest(ec().request.nonce);
    expect(parsed.nonce).toBeDefined();
    // openssl -nonce: an OCTET STRING of 16 random bytes inside extnValue.
    expect(parsed.nonce!.length).toBe(18);
    expect(parsed.nonce!.subarray(0, 2).toString('hex')).toBe('0410');
  });

  test('ok/SHA-256 CertID matches', () => {
    const setup = ec();
    const id = parseOcspRequest(setup.request.sha256).certIds[0]!;
    expect(id.hashAlgorithmOid).toBe(OID.sha256);
    expect(id.issuerNameHash.length).toBe(32);
    expect(setup.responder.matches(id)).toBe(true);
    expect(id.der!.equals(setup.responder.certIdFor(setup.leafSerial, 'sha256').der!)).toBe(true);
  });

  test('ok/another issuer does not match', () => {
    const id = parseOcspRequest(setups[1]!.request.plain).certIds[0]!;
    expect(ec().responder.matches(id)).toBe(false);
    expect(setups[1]!.responder.matches(id)).toBe(true);
  });

  test('ok/several CertIDs in one request', () => {
    const setup = ec();
    const other = setups[1]!;
    const out = `${tmp.dir}/multi-req.der`;
    const r = openssl(['ocsp', '-issuer', setup.caPath, '-cert', setup.leafPath, '-issuer', other.caPath, '-cert', other.leafPath, '-reqout', out, '-no_nonce']);
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseOcspRequest(readFileSync(out));
    expect(parsed.certIds.map((id) => id.serial.toString('hex'))).toEqual([setup.leafSerial.toString('hex'), other.leafSerial.toString('hex')]);
    expect(parsed.certIds.map((id) => setup.responder.matches(id))).toEqual([true, false]);
  });

  const libraryRequest = (tbs: Partial<TBSRequest>): Buffer => Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: new TBSRequest(tbs) })));
  const someCertId = (): CertID =>
    new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha1, parameters: null }),
      issuerNameHash: new OctetString(20),
      issuerKeyHash: new OctetString(20),
      serialNumber: new Uint8Array([1]).buffer,
    });
  const nonceExtension = (value: Buffer): Extension => new Extension({ extnID: id_pkix_ocsp_nonce, extnValue: new OctetString(value) });

  const malformed: [string, () => Buffer][] = [
    ['fail/empty', () => Buffer.alloc(0)],
    ['fail/garbage', () => Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ['fail/random bytes', () => Buffer.from('30ff0102030405060708', 'hex')],
    ['fail/truncated', () => ec().request.nonce.subarray(0, ec().request.nonce.length - 5)],
    ['fail/trailing bytes', () => Buffer.concat([ec().request.plain, Buffer.from([0, 0])])],
    ['fail/indefinite length (BER, not DER)', () => Buffer.from('3080300030000000', 'hex')],
    ['fail/a certificate instead of a request', () => ec().ca.der],
    ['fail/an empty SEQUENCE', () => Buffer.from('3000', 'hex')],
    ['fail/no CertIDs', () => libraryRequest({ requestList: [] })],
    ['fail/negative serial', () => libraryRequest({ requestList: [new Request({ reqCert: new CertID({ ...someCertId(), serialNumber: new Uint8Array([0xff]).buffer }) })] })],
    ['fail/empty nonce', () => libraryRequest({ requestList: [new Request({ reqCert: someCertId() })], requestExtensions: [nonceExtension(Buffer.from('0400', 'hex'))] })],
    ['fail/nonce over 128 octets', () => libraryRequest({ requestList: [new Request({ reqCert: someCertId() })], requestExtensions: [nonceExtension(Buffer.concat([Buffer.from('048181', 'hex'), Buffer.alloc(129, 7)]))] })],
    ['fail/oversized request', () => Buffer.concat([Buffer.from('30840001000a', 'hex'), Buffer.alloc(0x1000a)])],
  ];
  test.each(malformed)('%s -> OcspRequestError', (_name, input) => {
    let error: unknown;
    try {
      parseOcspRequest(input());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OcspRequestError);
    expect((error as OcspRequestError).ocspStatus).toBe('malformedRequest');
  });

  test('ok/a library-built request with a 128-octet nonce is accepted', () => {
    const nonce = Buffer.concat([Buffer.from('048180', 'hex'), Buffer.alloc(128, 9)]);
    const der = libraryRequest({ requestList: [new Request({ reqCert: someCertId() })], requestExtensions: [nonceExtension(nonce)] });
    expect(parseOcspRequest(der).nonce!.equals(nonce)).toBe(true);
  });
});

describe('OcspResponder.respond, judged by openssl', () => {
  const now = (): number => Math.floor(Date.now() / 1000) * 1000;

  test.each(['P-256', 'RSA-2048', 'RSA-2048 PSS', 'Ed25519'])('ok/good, signed by a %s issuer', (name) => {
    const setup = setups.find((s) => s.name === name)!;
    const certId = parseOcspRequest(setup.request.plain).certIds[0]!;
    const t = now();
    const response = setup.responder.respond({ certId, status: 'good', thisUpdateMs: t, nextUpdateMs: t + 12 * hour });
    const r = checkWithLeaf(setup, response);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${setup.leafPath}: good`);
    expect(r.out).toContain(`This Update: ${opensslDate(t)}`);
    expect(r.out).toContain(`Next Update: ${opensslDate(t + 12 * hour)}`);
    expect(r.status).toBe(0);

    const basic = decodeBasic(response, setup.keys.publicKey, name.includes('PSS'));
    const data = basic.tbsResponseData;
    expect(data.version).toBe(0);
    expect(Buffer.from(data.responderID.byKey!.buffer).equals(setup.responder.keyId)).toBe(true);
    expect(data.producedAt.getTime()).toBe(t);
    expect(data.responses).toHaveLength(1);
    expect(data.responses[0]!.certStatus.good).toBeNull();
    expect(data.responses[0]!.nextUpdate!.getTime()).toBe(t + 12 * hour);
    expect(data.responseExtensions).toBeUndefined();
  });

  test('ok/revoked with time and reason', () => {
    const setup = ec();
    const certId = parseOcspRequest(setup.request.plain).certIds[0]!;
    const t = now();
    const revokedAt = t - 5 * hour + 123; // milliseconds are dropped
    const response = setup.responder.respond({ certId, status: { revokedAtMs: revokedAt, reason: CrlReason.keyCompromise }, thisUpdateMs: t, nextUpdateMs: t + hour });
    const r = checkWithLeaf(setup, response);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${setup.leafPath}: revoked`);
    expect(r.out).toContain('Reason: keyCompromise');
    expect(r.out).toContain(`Revocation Time: ${opensslDate(revokedAt)}`);
    const revoked = decodeBasic(response, setup.keys.publicKey).tbsResponseData.responses[0]!.certStatus.revoked!;
    expect(revoked.revocationTime.getTime()).toBe(revokedAt - 123);
    expect(revoked.revocationReason?.reason).toBe(1);
  });

  test('ok/revoked without a reason (Vault: unspecified is not written)', () => {
    const setup = setups[1]!;
    const certId = parseOcspRequest(setup.request.plain).certIds[0]!;
    const t = now();
    const response = setup.responder.respond({ certId, status: { revokedAtMs: t - hour, reason: CrlReason.unspecified }, thisUpdateMs: t });
    const r = checkWithLeaf(setup, response);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${setup.leafPath}: revoked`);
    expect(r.out).not.toContain('Reason:');
    expect(r.out).not.toContain('Next Update');
    const single = decodeBasic(response, setup.keys.publicKey).tbsResponseData.responses[0]!;
    expect(single.certStatus.revoked!.revocationReason).toBeUndefined();
    expect(single.nextUpdate).toBeUndefined();
  });

  test('ok/unknown, also for a CertID of another issuer', () => {
    const setup = ec();
    const t = now();
    const own = parseOcspRequest(setup.request.plain).certIds[0]!;
    const r = checkWithLeaf(setup, setup.responder.respond({ certId: own, status: 'unknown', thisUpdateMs: t, nextUpdateMs: t + hour }));
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${setup.leafPath}: unknown`);

    const foreign = parseOcspRequest(setups[1]!.request.plain).certIds[0]!;
    const response = setup.responder.respond({ certId: foreign, status: 'unknown', thisUpdateMs: t });
    const single = decodeBasic(response, setup.keys.publicKey).tbsResponseData.responses[0]!;
    expect(single.certStatus.unknown).toBeNull();
    expect(Buffer.from(AsnConvert.serialize(single.certID)).equals(foreign.der!)).toBe(true);
  });

  test('ok/nonce echoed: openssl checks it against the request', () => {
    const setup = ec();
    const request = parseOcspRequest(setup.request.nonce);
    const t = now();
    const response = setup.responder.respond({ certId: request.certIds[0]!, status: 'good', thisUpdateMs: t, nextUpdateMs: t + hour, nonce: request.nonce });
    const reqPath = file('req.der', setup.request.nonce);
    const r = openssl(['ocsp', '-reqin', reqPath, '-respin', file('resp.der', response), '-issuer', setup.caPath, '-CAfile', setup.caPath]);
    const out = r.stdout + r.stderr;
    expect(out).toContain('Response verify OK');
    expect(out).not.toContain('Nonce Verify error');
    expect(out).not.toContain('no nonce in response');
    expect(r.status).toBe(0);

    const extensions = decodeBasic(response, setup.keys.publicKey).tbsResponseData.responseExtensions!;
    expect(extensions.map((e) => e.extnID)).toEqual([id_pkix_ocsp_nonce]);
    expect(Buffer.from(extensions[0]!.extnValue.buffer).equals(request.nonce!)).toBe(true);

    // Without the echo, openssl notices.
    const bare = setup.responder.respond({ certId: request.certIds[0]!, status: 'good', thisUpdateMs: t });
    const missing = openssl(['ocsp', '-reqin', reqPath, '-respin', file('resp.der', bare), '-issuer', setup.caPath, '-CAfile', setup.caPath]);
    expect(missing.stdout + missing.stderr).toContain('no nonce in response');
  });

  test('ok/SHA-256 CertID answered and found by openssl', () => {
    const setup = setups[1]!;
    const certId = parseOcspRequest(setup.request.sha256).certIds[0]!;
    const t = now();
    const r = checkWithLeaf(setup, setup.responder.respond({ certId, status: 'good', thisUpdateMs: t }), ['-sha256']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toContain(`${setup.leafPath}: good`);
  });

  test('ok/a CertID without der is encoded from its fields', () => {
    const setup = ec();
    const { der: _raw, ...fields } = parseOcspRequest(setup.request.plain).certIds[0]!;
    const t = now();
    const r = checkWithLeaf(setup, setup.responder.respond({ certId: fields, status: 'good', thisUpdateMs: t }));
    expect(r.out).toContain(`${setup.leafPath}: good`);
  });

  test('ok/producedAt may differ from thisUpdate', () => {
    const setup = ec();
    const certId = setup.responder.certIdFor(setup.leafSerial);
    const t = now();
    const response = setup.responder.respond({ certId, status: 'good', thisUpdateMs: t - hour, producedAtMs: t });
    const data = decodeBasic(response, setup.keys.publicKey).tbsResponseData;
    expect(data.producedAt.getTime()).toBe(t);
    expect(data.responses[0]!.thisUpdate.getTime()).toBe(t - hour);
  });

  test('fail/good or revoked for another issuer is refused', () => {
    const foreign = parseOcspRequest(setups[1]!.request.plain).certIds[0]!;
    expect(() => ec().responder.respond({ certId: foreign, status: 'good', thisUpdateMs: now() })).toThrow(/another issuer/);
  });

  const badAnswers: [string, (id: OcspCertId) => Parameters<OcspResponder['respond']>[0]][] = [
    ['fail/reason 7', (certId) => ({ certId, status: { revokedAtMs: now(), reason: 7 }, thisUpdateMs: now() })],
    ['fail/revocation time NaN', (certId) => ({ certId, status: { revokedAtMs: Number.NaN }, thisUpdateMs: now() })],
    ['fail/nextUpdate before thisUpdate', (certId) => ({ certId, status: 'good', thisUpdateMs: now(), nextUpdateMs: now() - hour })],
    ['fail/thisUpdate infinite', (certId) => ({ certId, status: 'good', thisUpdateMs: Number.POSITIVE_INFINITY })],
  ];
  test.each(badAnswers)('%s is a badRequest', (_name, answer) => {
    const setup = ec();
    expect(() => setup.responder.respond(answer(setup.responder.certIdFor(setup.leafSerial)))).toThrow(CaError);
  });

  test('fail/a signing key that is not the issuer key', () => {
    expect(() => new OcspResponder({ issuerCertificateDer: ec().ca.der, signingPrivateKey: setups[1]!.keys.privateKey })).toThrow(/does not belong/);
  });
});

describe('error responses', () => {
  const statuses = [
    ['malformedRequest', 1, 'malformedrequest (1)'],
    ['internalError', 2, 'internalerror (2)'],
    ['tryLater', 3, 'trylater (3)'],
    ['unauthorized', 6, 'unauthorized (6)'],
  ] as const;
  test.each(statuses)('ok/%s', (status, code, text) => {
    const bytes = OcspResponder.errorResponse(status);
    expect(bytes.toString('hex')).toBe(`30030a010${code}`);
    expect(AsnConvert.parse(bytes, OCSPResponse).responseStatus).toBe(code);
    const r = openssl(['ocsp', '-respin', file('err.der', bytes), '-resp_text']);
    expect(r.stdout + r.stderr).toContain(`Responder Error: ${text}`);
  });

  test('ok/a malformed request round trip: parse fails, the answer is malformedRequest', () => {
    const answer = (input: Buffer): Buffer => {
      try {
        parseOcspRequest(input);
        return Buffer.alloc(0);
      } catch (err) {
        if (err instanceof OcspRequestError) return OcspResponder.errorResponse(err.ocspStatus);
        throw err;
      }
    };
    for (const input of [Buffer.from('garbage'), ec().request.plain.subarray(0, 20), Buffer.alloc(0)]) {
      const r = openssl(['ocsp', '-respin', file('err.der', answer(input)), '-resp_text']);
      expect(r.stdout + r.stderr).toContain('Responder Error: malformedrequest (1)');
    }
  });
});
