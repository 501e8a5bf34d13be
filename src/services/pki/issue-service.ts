import type { Clock } from '../../core/clock.js';
import { CaError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { type CsrSignatureCheck, readCsr } from '../../pki/csr.js';
import type { LeafKey, LeafTemplate } from '../../pki/leaf-job.js';
import { type IssuanceMode, type IssueRequest, resolveLeaf, signVerbatimRole, type SignVerbatimOptions } from '../../pki/issuance-policy.js';
import type { PrivateKeyFormat } from '../../pki/keys.js';
import type { Role } from '../../pki/role.js';
import { formatSerial, generateSerial } from '../../pki/serial.js';
import type { CallerIdentity } from '../../pki/types.js';
import type { MountRecord, PkiStore } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import { certificateFields, type OutputFormat } from './cert-output.js';
import type { CryptoThread } from './crypto-thread.js';
import type { IssuanceContextCache } from './issuance-context.js';
import type { KeyGenerationQueue } from './key-generation-queue.js';

export interface IssueCall {
  mode: IssuanceMode;
  /** Role name from the path; null for sign-verbatim without a role. */
  roleName: string | null;
  /** Issuer from the path (issuer/:ref/issue/...); null uses the role's issuer_ref. */
  issuerRef: string | null;
  request: IssueRequest;
  csr: string;
  format: OutputFormat;
  privateKeyFormat: PrivateKeyFormat;
  removeRootsFromChain: boolean;
  verbatim: SignVerbatimOptions;
  identity: CallerIdentity | null;
  /** The request's logical path (`pki_int/issue/web`): Vault's lease ids are that path plus an id. */
  requestPath: string;
}

export interface IssueResult {
  data: Record<string, unknown>;
  warnings: string[];
  lease: { id: string; duration: number } | null;
}

const storeAttempts = 3;

export interface IssueServiceDeps {
  store: PkiStore;
  contexts: IssuanceContextCache;
  mounts: MountService;
  clock: Clock;
  random: Random;
  keyGeneration: KeyGenerationQueue;
  crypto: CryptoThread;
}

/** issue, sign and sign-verbatim: role policy decides, the one signer signs, the store keeps it. */
export class IssueService {
  constructor(private readonly deps: IssueServiceDeps) {}

  async issue(mount: MountRecord, call: IssueCall): Promise<IssueResult> {
    const { store, contexts, mounts, clock, random, crypto } = this.deps;
    await contexts.refresh();
    const pathRole = call.roleName === null ? null : await contexts.role(mount.uuid, call.roleName);
    const role: Role = call.mode === 'sign-verbatim' ? signVerbatimRole(pathRole, call.verbatim) : pathRole!;
    const context = await contexts.issuer(mount.uuid, call.issuerRef ?? role.issuerRef, { signatureBits: role.signatureBits, usePss: role.usePss });
    const { issuer } = context;
    const ttls = mounts.effectiveTtls(mount);

    let csrCheck: CsrSignatureCheck | null = null;
    const request: IssueRequest = { ...call.request };
    if (call.mode === 'issue') {
      request.csr = null;
    } else {
      const csr = readCsr(call.csr);
      if (call.mode === 'sign-verbatim' && csr.requestsCa) throw new CaError('bad_request', 'sign-verbatim cannot sign a CA certificate request');
      request.csr = csr.info;
      if (call.mode === 'sign-verbatim') {
        // A CSR without an EKU extension leaves the request's ext_key_usage in force (null = absent).
        const extKeyUsageOids = csr.extKeyUsageOids.length > 0 ? csr.extKeyUsageOids : null;
        request.csrVerbatim = { subject: csr.subject, keyUsage: csr.keyUsage, extKeyUsageOids };
      }
      csrCheck = csr.signatureCheck;
    }
    const resolved = resolveLeaf(request, role, {
      nowMs: clock.nowMs(),
      mountDefaultTtl: ttls.defaultLeaseTtl,
      mountMaxTtl: ttls.maxLeaseTtl,
      issuerNotAfterMs: issuer.notAfterMs,
      leafNotAfterBehavior: issuer.leafNotAfterBehavior,
      identity: call.identity,
      mode: call.mode,
    });
    let key: LeafKey;
    if (csrCheck) key = { csr: csrCheck };
    // RSA waits for a slot on the bounded queue; EC and Ed25519 keys are made by the crypto thread.
    else if (resolved.keyType === 'rsa') key = { pair: await this.deps.keyGeneration.generate(resolved.keyType, resolved.keyBits) };
    else key = { generate: { type: resolved.keyType, bits: resolved.keyBits } };
    const template: LeafTemplate = {
      serial: generateSerial(random),
      subject: resolved.subject,
      notBeforeMs: resolved.notBeforeMs,
      notAfterMs: resolved.notAfterMs,
      isCa: false,
      maxPathLength: -1,
      basicConstraintsOnLeaf: resolved.basicConstraintsOnLeaf,
      keyUsage: resolved.keyUsage,
      extKeyUsageOids: resolved.extKeyUsageOids,
      sans: resolved.sans,
      policyOids: resolved.policyOids,
      nameConstraints: null,
      subjectKeyId: null,
    };
    const job = { template, key, privateKeyFormat: call.privateKeyFormat, privateKeyEncoding: call.format === 'der' ? 'der' : 'pem' } as const;

    let leaf = await crypto.run(context, job);
    if (!role.noStore) {
      // A serial collision is astronomically unlikely, but the store's uniqueness is what promises it.
      for (let attempt = 1; ; attempt++) {
        const stored = await store.insertCert(mount.uuid, {
          serial: formatSerial(template.serial),
          issuerId: issuer.id,
          certificateDer: leaf.certificateDer,
          notAfterMs: template.notAfterMs,
          createdAt: clock.nowMs(),
        });
        if (stored === 'ok') break;
        if (attempt === storeAttempts) throw new CaError('internal', 'could not allocate a unique serial number');
        template.serial = generateSerial(random);
        leaf = await crypto.run(context, job);
      }
    }

    let chain = context.chain;
    if (call.removeRootsFromChain) chain = chain.filter((c) => !c.subjectDer.equals(c.issuerDer));
    const data: Record<string, unknown> = {
      ...certificateFields(call.format, {
        certificateDer: leaf.certificateDer,
        issuingCaDer: issuer.certificateDer,
        chainDers: chain.map((c) => c.certificateDer),
        exportedPrivateKey: leaf.privateKey,
        privateKeyFormat: call.privateKeyFormat,
      }),
      serial_number: formatSerial(template.serial),
      expiration: Math.floor(template.notAfterMs / 1000),
      not_before: Math.floor(template.notBeforeMs / 1000),
    };
    const lease =
      role.generateLease && !role.noStore
        ? {
            id: `${call.requestPath}/${random.uuid()}`,
            duration: Math.max(0, Math.floor((template.notAfterMs - clock.nowMs()) / 1000)),
          }
        : null;
    return { data, warnings: resolved.warnings, lease };
  }
}
