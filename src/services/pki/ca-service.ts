import { createPublicKey, type KeyObject } from 'node:crypto';
import { type Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { type CertInfo, parseCertificate, parseCertificates } from '../../pki/cert-info.js';
import { buildCsr, parseCsr } from '../../pki/csr.js';
import { describeKey, parseKeyType, parsePrivateKey, type PrivateKeyFormat } from '../../pki/keys.js';
import { OID } from '../../pki/oids.js';
import { parsePemBlocks, toPem } from '../../pki/pem.js';
import { generateSerial } from '../../pki/serial.js';
import { selfSigningIssuer, signCertificate } from '../../pki/sign.js';
import { spkiDerOf } from '../../pki/spki.js';
import type { CertificateTemplate, KeyType } from '../../pki/types.js';
import type { MountRecord, PkiIssuerRecord, PkiKeyRecord, PkiStore } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import { type CaRequest, type CaValidityContext, caKeyUsage, nameConstraintsOf, resolveCaCertificate } from './ca-request.js';
import type { ResolvedLeaf } from '../../pki/issuance-policy.js';
import { certificateFields, type OutputFormat, trimmedPem } from './cert-output.js';
import type { IssuerDirectory } from './issuer-directory.js';
import type { KeyCustody } from './key-custody.js';
import { checkRecordName, type IssuersConfig, resolveIssuer, resolveKey } from './references.js';
import { authorityInfoFor, emptyUrls } from './urls.js';
import type { KeyGenerationQueue } from './key-generation-queue.js';

export type KeySource = 'internal' | 'exported' | 'existing' | 'kms';

export interface KeyRequest {
  source: KeySource;
  keyType: string;
  keyBits: number;
  keyName: string;
  keyRef: string;
}

export interface CaOutputRequest {
  format: OutputFormat;
  privateKeyFormat: PrivateKeyFormat;
  issuerName: string;
}

export interface ServiceResult {
  data: Record<string, unknown>;
  warnings: string[];
}

const allUsages = ['crl-signing', 'issuing-certificates', 'ocsp-signing', 'read-only'];

export interface CaServiceDeps {
  store: PkiStore;
  custody: KeyCustody;
  directory: IssuerDirectory;
  mounts: MountService;
  clock: Clock;
  random: Random;
  keyGeneration: KeyGenerationQueue;
}

/** Roots, intermediates, imports and cross-signing: everything that creates issuers. */
export class CaService {
  constructor(private readonly deps: CaServiceDeps) {}

  private async obtainKey(mount: MountRecord, request: KeyRequest): Promise<{ record: PkiKeyRecord; privateKey: KeyObject; isNew: boolean }> {
    const { store, custody, random, clock } = this.deps;
    if (request.source === 'kms') throw badRequest('managed keys (kms) are not supported');
    if (request.source === 'existing') {
      const record = await resolveKey(store, mount.uuid, request.keyRef);
      return { record, privateKey: custody.unseal(record), isNew: false };
    }
    checkRecordName(request.keyName, 'key');
    if (request.keyName !== '' && (await store.findKeyByName(mount.uuid, request.keyName))) {
      throw badRequest(`key name "${request.keyName}" is already in use`);
    }
    const keyType: KeyType = parseKeyType(request.keyType === '' ? 'rsa' : request.keyType);
    const pair = await this.deps.keyGeneration.generate(keyType, request.keyBits);
    const id = random.uuid();
    const record: PkiKeyRecord = {
      id,
      name: request.keyName,
      keyType,
      keyBits: pair.bits,
      publicKeyDer: spkiDerOf(pair.publicKey),
      sealedPrivateKey: custody.seal(id, pair.privateKey),
      createdAt: clock.nowMs(),
    };
    return { record, privateKey: pair.privateKey, isNew: true };
  }

  private async checkIssuerName(mount: MountRecord, name: string): Promise<void> {
    checkRecordName(name, 'issuer');
    if (name !== '' && (await this.deps.store.findIssuerByName(mount.uuid, name))) throw badRequest(`issuer name "${name}" is already in use`);
  }

  private issuerRecord(id: string, name: string, keyId: string | null, info: CertInfo): PkiIssuerRecord {
    return {
      id,
      name,
      keyId,
      certificateDer: info.der,
      serial: info.serialNumber,
      subjectDer: info.subjectDer,
      issuerDer: info.issuerDer,
      subjectKeyId: info.subjectKeyId ?? Buffer.alloc(0),
      authorityKeyId: info.authorityKeyId,
      notBeforeMs: info.notBeforeMs,
      notAfterMs: info.notAfterMs,
      leafNotAfterBehavior: 'err',
      usage: allUsages,
      manualChain: [],
      revocationSignatureAlgorithm: '',
      urls: emptyUrls(),
      revoked: false,
      revocationTimeMs: null,
      createdAt: this.deps.clock.nowMs(),
    };
  }

  /** Subject, SANs and validity of a CA certificate under this mount's TTLs, now. */
  private resolveCa(mount: MountRecord, request: CaRequest, context: Partial<CaValidityContext>): ResolvedLeaf {
    const ttls = this.deps.mounts.effectiveTtls(mount);
    return resolveCaCertificate(request, {
      nowMs: this.deps.clock.nowMs(),
      mountDefaultTtl: ttls.defaultLeaseTtl,
      mountMaxTtl: ttls.maxLeaseTtl,
      defaultToMaxTtl: false,
      issuerNotAfterMs: null,
      leafNotAfterBehavior: 'permit',
      csr: null,
      useCsrValues: false,
      ...context,
    });
  }

  private async followsLatest(mount: MountRecord): Promise<boolean> {
    return (await this.deps.store.getConfig<IssuersConfig>(mount.uuid, 'issuers'))?.default_follows_latest_issuer === true;
  }

  async generateRoot(mount: MountRecord, keyRequest: KeyRequest, request: CaRequest, output: CaOutputRequest): Promise<ServiceResult> {
    const { store, clock, random } = this.deps;
    await this.checkIssuerName(mount, output.issuerName);
    const key = await this.obtainKey(mount, keyRequest);
    const resolved = this.resolveCa(mount, request, { defaultToMaxTtl: true });
    const issuerId = random.uuid();
    const template: CertificateTemplate = {
      serial: generateSerial(random),
      subject: resolved.subject,
      notBeforeMs: resolved.notBeforeMs,
      notAfterMs: resolved.notAfterMs,
      publicKey: createPublicKey(key.privateKey),
      isCa: true,
      maxPathLength: request.maxPathLength,
      basicConstraintsOnLeaf: false,
      keyUsage: caKeyUsage(request.keyUsage),
      extKeyUsageOids: [],
      sans: resolved.sans,
      policyOids: [],
      nameConstraints: nameConstraintsOf(request),
      authorityInfo: await authorityInfoFor(store, mount.uuid, { id: issuerId, urls: emptyUrls() }),
      subjectKeyId: null,
    };
    const der = signCertificate(template, selfSigningIssuer(template, key.privateKey, { signatureBits: request.signatureBits, usePss: request.usePss }));
    const info = parseCertificate(der);
    const issuer = this.issuerRecord(issuerId, output.issuerName, key.record.id, info);
    await store.applyChange(mount.uuid, {
      keys: key.isNew ? [key.record] : [],
      issuers: [issuer],
      certs: [{ serial: info.serialNumber, issuerId, certificateDer: der, notAfterMs: info.notAfterMs, createdAt: clock.nowMs() }],
      defaultIssuer: (await this.followsLatest(mount)) ? 'always' : 'if-unset',
      defaultKey: 'if-unset',
    });
    const warnings = [...resolved.warnings];
    if (template.authorityInfo.issuingCertificates.length === 0 && template.authorityInfo.crlDistributionPoints.length === 0) {
      warnings.push('This mount hasn\'t configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.');
    }
    if (request.maxPathLength === 0) warnings.push('max_path_length has been set to zero: this CA cannot sign intermediates');
    return {
      data: {
        expiration: Math.floor(info.notAfterMs / 1000),
        serial_number: info.serialNumber,
        issuer_id: issuerId,
        issuer_name: output.issuerName,
        key_id: key.record.id,
        key_name: key.record.name,
        ...certificateFields(output.format, {
          certificateDer: der,
          issuingCaDer: der,
          chainDers: [],
          privateKey: keyRequest.source === 'exported' ? key.privateKey : undefined,
          privateKeyFormat: output.privateKeyFormat,
        }),
      },
      warnings,
    };
  }

  async generateIntermediate(
    mount: MountRecord,
    keyRequest: KeyRequest,
    request: CaRequest,
    output: CaOutputRequest,
    addBasicConstraints: boolean,
  ): Promise<ServiceResult> {
    const { store } = this.deps;
    const key = await this.obtainKey(mount, keyRequest);
    const resolved = this.resolveCa(mount, request, {});
    const csrDer = buildCsr({
      subject: resolved.subject,
      privateKey: key.privateKey,
      sans: resolved.sans,
      basicConstraints: addBasicConstraints ? { isCa: true, maxPathLength: request.maxPathLength } : null,
      keyUsage: request.keyUsage.length > 0 ? caKeyUsage(request.keyUsage) : [],
      signatureBits: request.signatureBits,
      usePss: request.usePss,
    });
    if (key.isNew) {
      await store.applyChange(mount.uuid, { keys: [key.record], issuers: [], certs: [], defaultIssuer: 'never', defaultKey: 'if-unset' });
    }
    const csrText = output.format === 'der' ? csrDer.toString('base64') : toPem(csrDer, 'CERTIFICATE REQUEST').trimEnd();
    const data: Record<string, unknown> = { csr: csrText, key_id: key.record.id, key_name: key.record.name, key_type: key.record.keyType };
    if (keyRequest.source === 'exported') {
      const fields = certificateFields(output.format === 'der' ? 'der' : 'pem', {
        certificateDer: csrDer,
        issuingCaDer: csrDer,
        chainDers: [],
        privateKey: key.privateKey,
        privateKeyFormat: output.privateKeyFormat,
      });
      data.private_key = fields.private_key;
      data.private_key_type = fields.private_key_type;
      if (output.format === 'pem_bundle') data.csr = `${String(fields.private_key)}\n${csrText}`;
    }
    return { data, warnings: [] };
  }

  /** root/sign-intermediate and issuer/:ref/sign-intermediate. */
  async signIntermediate(
    mount: MountRecord,
    issuerRef: string,
    csrText: string,
    request: CaRequest,
    options: { useCsrValues: boolean; format: OutputFormat; skid: string },
  ): Promise<ServiceResult> {
    const { store, clock, random, directory } = this.deps;
    const issuer = await resolveIssuer(store, mount.uuid, issuerRef);
    const csr = parseCsr(csrText);
    const resolved = this.resolveCa(mount, request, {
      issuerNotAfterMs: issuer.notAfterMs,
      leafNotAfterBehavior: 'truncate',
      csr: { ...csr.info, requestsCa: false },
      useCsrValues: options.useCsrValues,
    });
    const parentPathLen = parseCertificate(issuer.certificateDer).pathLen;
    if (parentPathLen === 0) throw badRequest('signing certificate has a max path length of zero, and cannot issue further CA certificates');
    // As Vault: a child may not claim more than its parent allows; unset or too large becomes the parent's minus one.
    let maxPathLength = request.maxPathLength;
    if (parentPathLen > 0 && (maxPathLength < 0 || maxPathLength >= parentPathLen)) maxPathLength = parentPathLen - 1;
    let subjectKeyId: Buffer | null = null;
    if (options.skid !== '') {
      const hex = options.skid.replace(/:/g, '');
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw badRequest(`invalid skid "${options.skid}": expected hex`);
      subjectKeyId = Buffer.from(hex, 'hex');
    }
    const template: CertificateTemplate = {
      serial: generateSerial(random),
      subject: options.useCsrValues && csr.subject.length > 0 ? csr.subject : resolved.subject,
      notBeforeMs: resolved.notBeforeMs,
      notAfterMs: resolved.notAfterMs,
      publicKey: csr.publicKey,
      isCa: true,
      maxPathLength,
      basicConstraintsOnLeaf: false,
      keyUsage: caKeyUsage(request.keyUsage),
      extKeyUsageOids: [],
      sans: resolved.sans,
      policyOids: [],
      nameConstraints: nameConstraintsOf(request),
      authorityInfo: await authorityInfoFor(store, mount.uuid, issuer),
      subjectKeyId,
    };
    const signer = await directory.signer(mount.uuid, issuer, { signatureBits: request.signatureBits, usePss: request.usePss });
    const der = signer.sign(template);
    const info = parseCertificate(der);
    await store.insertCert(mount.uuid, { serial: info.serialNumber, issuerId: issuer.id, certificateDer: der, notAfterMs: info.notAfterMs, createdAt: clock.nowMs() });
    const chain = await directory.chain(mount.uuid, issuer);
    return {
      data: {
        expiration: Math.floor(info.notAfterMs / 1000),
        serial_number: info.serialNumber,
        ...certificateFields(options.format, {
          certificateDer: der,
          issuingCaDer: issuer.certificateDer,
          chainDers: chain.map((c) => c.certificateDer),
          privateKeyFormat: 'der',
        }),
      },
      warnings: resolved.warnings,
    };
  }

  /**
   * intermediate/set-signed, config/ca and issuers/import/bundle: every certificate becomes an
   * issuer (linked to a key of the mount with the same public key), every private key a key.
   */
  async importBundle(mount: MountRecord, pemBundle: string, allowKeys: boolean): Promise<ServiceResult> {
    const { store, custody, random, clock } = this.deps;
    const blocks = parsePemBlocks(pemBundle);
    if (blocks.length === 0) throw badRequest('no data found in PEM bundle');
    const certificates: CertInfo[] = [];
    const keys: PkiKeyRecord[] = [];
    for (const block of blocks) {
      if (block.label === 'CERTIFICATE' || block.label === 'X509 CERTIFICATE') {
        certificates.push(parseCertificate(block.der));
      } else if (/PRIVATE KEY$/.test(block.label)) {
        if (!allowKeys) throw badRequest('this endpoint imports certificates only; use issuers/import/bundle for keys');
        const privateKey = parsePrivateKey(toPem(block.der, block.label));
        const description = describeKey(privateKey);
        const id = random.uuid();
        const publicKeyDer = spkiDerOf(createPublicKey(privateKey));
        if (!keys.some((k) => k.publicKeyDer.equals(publicKeyDer))) {
          keys.push({ id, name: '', keyType: description.type, keyBits: description.bits, publicKeyDer, sealedPrivateKey: custody.seal(id, privateKey), createdAt: clock.nowMs() });
        }
      } else if (block.label !== 'X509 CRL') {
        throw badRequest(`unsupported PEM block "${block.label}" in bundle`);
      }
    }
    const issuers: PkiIssuerRecord[] = [];
    for (const info of certificates) {
      if (!info.isCa) throw badRequest(`certificate with serial ${info.serialNumber} is not a CA certificate (basicConstraints CA:true is required)`);
      if (issuers.some((i) => i.certificateDer.equals(info.der))) continue;
      const spki = info.spkiDer;
      const keyId = keys.find((k) => k.publicKeyDer.equals(spki))?.id ?? (await store.findKeyByPublicKey(mount.uuid, spki))?.id ?? null;
      issuers.push(this.issuerRecord(random.uuid(), '', keyId, info));
    }
    const result = await store.applyChange(mount.uuid, {
      keys,
      issuers,
      certs: [],
      defaultIssuer: (await this.followsLatest(mount)) ? 'always' : 'if-unset',
      defaultKey: 'if-unset',
    });
    await this.linkKeylessIssuers(mount, keys);
    const mapping: Record<string, string> = {};
    for (const [issuerId, keyId] of Object.entries(result.issuerKeys)) mapping[issuerId] = keyId ?? '';
    const warnings: string[] = [];
    if (issuers.length > 0 && issuers.every((i) => i.keyId === null) && result.insertedIssuers.length > 0) {
      warnings.push('none of the imported issuers has a private key in this mount: they cannot sign until a matching key is imported');
    }
    return {
      data: {
        imported_issuers: result.insertedIssuers.length > 0 ? result.insertedIssuers : null,
        imported_keys: result.insertedKeys.length > 0 ? result.insertedKeys : null,
        existing_issuers: result.existingIssuers.length > 0 ? result.existingIssuers : null,
        existing_keys: result.existingKeys.length > 0 ? result.existingKeys : null,
        mapping,
      },
      warnings,
    };
  }

  /** A key imported after its certificate: link issuers that had no key. */
  private async linkKeylessIssuers(mount: MountRecord, keys: PkiKeyRecord[]): Promise<void> {
    if (keys.length === 0) return;
    for (const issuer of await this.deps.store.listIssuers(mount.uuid)) {
      if (issuer.keyId !== null) continue;
      const spki = parseCertificate(issuer.certificateDer).spkiDer;
      const key = await this.deps.store.findKeyByPublicKey(mount.uuid, spki);
      if (key) await this.deps.store.updateIssuer(mount.uuid, { ...issuer, keyId: key.id });
    }
  }

  /** root/sign-self-issued: re-sign a self-issued CA certificate as it is, by this mount's issuer. */
  async signSelfIssued(mount: MountRecord, issuerRef: string, certificatePem: string, requireMatchingAlgorithms: boolean): Promise<ServiceResult> {
    const { store, directory } = this.deps;
    const issuer = await resolveIssuer(store, mount.uuid, issuerRef);
    const certs = parseCertificates(certificatePem);
    if (certs.length !== 1) throw badRequest('exactly one certificate is required');
    const cert = certs[0]!;
    if (!cert.selfIssued) throw badRequest('given certificate is not self-issued');
    if (!cert.isCa) throw badRequest('given certificate is not a CA certificate');
    const parentKey = describeKey(parseCertificate(issuer.certificateDer).publicKey);
    if (requireMatchingAlgorithms && describeKey(cert.publicKey).type !== parentKey.type) {
      throw badRequest('the signing issuer\'s key type does not match the certificate\'s and require_matching_certificate_algorithms is set');
    }
    // As Vault does (the certificate is its own template): same serial, validity and extensions,
    // name constraints and policies included; only the issuer, AKID and AIA URLs change.
    const template: CertificateTemplate = {
      serial: cert.serial,
      subject: cert.subject,
      notBeforeMs: cert.notBeforeMs,
      notAfterMs: cert.notAfterMs,
      publicKey: cert.publicKey,
      isCa: true,
      maxPathLength: cert.pathLen,
      basicConstraintsOnLeaf: false,
      keyUsage: cert.keyUsage ?? caKeyUsage([]),
      extKeyUsageOids: cert.extKeyUsageOids,
      sans: cert.sans,
      policyOids: [],
      nameConstraints: null,
      authorityInfo: await authorityInfoFor(store, mount.uuid, issuer),
      subjectKeyId: cert.subjectKeyId,
      copiedExtensions: cert.extensions.filter((e) => e.oid === OID.nameConstraints || e.oid === OID.certificatePolicies),
    };
    const signer = await directory.signer(mount.uuid, issuer, { signatureBits: 0, usePss: false });
    // Not stored: Vault returns it without keeping it (it carries another CA's serial).
    const der = signer.sign(template);
    return { data: { certificate: trimmedPem(der), issuing_ca: trimmedPem(issuer.certificateDer) }, warnings: [] };
  }
}
