import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { OcspRequestError, OcspResponder, parseOcspRequest, type OcspCertId } from '../../pki/ocsp.js';
import { formatSerial } from '../../pki/serial.js';
import type { MountRecord, PkiIssuerRecord, PkiStore } from '../../storage/types.js';
import { readCrlConfig } from './crl-config.js';
import type { KeyCustody } from './key-custody.js';
import { findIssuer } from './references.js';

export interface OcspAnswer {
  status: number;
  body: Buffer;
}

interface CachedAnswer {
  body: Buffer;
  revocationEpoch: number;
  expiresMs: number;
}

/**
 * A signed answer for an unchanged status is reused for this long when the request has no
 * nonce: cheap answers at load (RSA signing alone caps at a few thousand per second). A
 * revocation in this process invalidates at once; one made by another process shows within it.
 */
const cacheTtlMs = 5000;
const maxCachedAnswers = 50_000;

/** RFC 6960 responder: the issuer answers for itself, good unless revoked, unknown for other issuers. */
export class OcspService {
  private readonly responders = new Map<string, OcspResponder>();
  private readonly answers = new Map<string, CachedAnswer>();
  /** Bumped by every revocation in this process; cached answers from an older epoch are not used. */
  private revocationEpoch = 0;

  constructor(
    private readonly store: PkiStore,
    private readonly custody: KeyCustody,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  revoked(): void {
    this.revocationEpoch++;
  }

  async answer(mount: MountRecord, requestDer: Buffer): Promise<OcspAnswer> {
    try {
      return await this.answerOrThrow(mount, requestDer);
    } catch (error) {
      if (error instanceof OcspRequestError) return { status: 400, body: OcspResponder.errorResponse('malformedRequest') };
      this.logger.error({ err: error, mount: mount.path }, 'OCSP answer failed');
      return { status: 500, body: OcspResponder.errorResponse('internalError') };
    }
  }

  private async answerOrThrow(mount: MountRecord, requestDer: Buffer): Promise<OcspAnswer> {
    const config = await readCrlConfig(this.store, mount.uuid);
    if (config.ocspDisable) return { status: 401, body: OcspResponder.errorResponse('unauthorized') };
    const now = this.clock.nowMs();
    const cacheKey = `${mount.uuid}:${requestDer.toString('base64')}`;
    const cached = this.answers.get(cacheKey);
    if (cached && cached.revocationEpoch === this.revocationEpoch && cached.expiresMs > now) return { status: 200, body: cached.body };

    const request = parseOcspRequest(requestDer);
    const certId = request.certIds[0]!;
    const issuers = (await this.store.listIssuers(mount.uuid)).filter((issuer) => issuer.keyId !== null && issuer.usage.includes('ocsp-signing'));
    let responder: OcspResponder | null = null;
    let issuer: PkiIssuerRecord | null = null;
    for (const candidate of issuers) {
      const r = await this.responderFor(mount, candidate);
      if (r?.matches(certId)) {
        responder = r;
        issuer = candidate;
        break;
      }
    }
    const answer = issuer && responder ? await this.statusAnswer(mount, issuer, responder, certId) : await this.unknownAnswer(mount, certId);
    if (!answer) return { status: 401, body: OcspResponder.errorResponse('unauthorized') };
    const body = answer.respond({
      thisUpdateMs: now,
      nextUpdateMs: config.ocspExpiry > 0 ? now + config.ocspExpiry * 1000 : undefined,
      nonce: request.nonce,
    });
    if (!request.nonce) this.remember(cacheKey, { body, revocationEpoch: this.revocationEpoch, expiresMs: now + cacheTtlMs });
    return { status: 200, body };
  }

  private async statusAnswer(mount: MountRecord, issuer: PkiIssuerRecord, responder: OcspResponder, certId: OcspCertId) {
    const revocation = await this.store.getRevocation(mount.uuid, formatSerial(certId.serial));
    const revokedHere = revocation !== null && (revocation.issuerId === null || revocation.issuerId === issuer.id);
    const status = revokedHere ? { revokedAtMs: revocation.revokedAtMs, reason: revocation.reason ?? undefined } : ('good' as const);
    return { respond: (times: { thisUpdateMs: number; nextUpdateMs?: number; nonce?: Buffer }) => responder.respond({ certId, status, ...times }) };
  }

  /** A CertID of an issuer this mount does not have: "unknown", signed by the default issuer. */
  private async unknownAnswer(mount: MountRecord, certId: OcspCertId) {
    const fallback = await findIssuer(this.store, mount.uuid, 'default');
    const responder = fallback ? await this.responderFor(mount, fallback) : null;
    if (!responder) return null;
    return { respond: (times: { thisUpdateMs: number; nextUpdateMs?: number; nonce?: Buffer }) => responder.respond({ certId, status: 'unknown', ...times }) };
  }

  private async responderFor(mount: MountRecord, issuer: PkiIssuerRecord): Promise<OcspResponder | null> {
    const cached = this.responders.get(issuer.id);
    if (cached) return cached;
    if (issuer.keyId === null) return null;
    const key = await this.store.getKey(mount.uuid, issuer.keyId);
    if (!key) return null;
    const responder = new OcspResponder({ issuerCertificateDer: issuer.certificateDer, signingPrivateKey: this.custody.unseal(key) });
    this.responders.set(issuer.id, responder);
    return responder;
  }

  private remember(key: string, answer: CachedAnswer): void {
    if (this.answers.size >= maxCachedAnswers) this.answers.clear();
    this.answers.set(key, answer);
  }
}
