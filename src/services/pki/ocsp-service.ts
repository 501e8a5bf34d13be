import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { OcspRequestError, OcspResponder, parseOcspRequest, type OcspCertId, type OcspCertStatus } from '../../pki/ocsp.js';
import { formatSerial } from '../../pki/serial.js';
import type { MountRecord, PkiIssuerRecord, PkiStore } from '../../storage/types.js';
import { readCrlConfig } from './crl-config.js';
import type { KeyCustody } from './key-custody.js';
import { findIssuer } from './references.js';

export interface OcspAnswer {
  status: number;
  body: Buffer;
}

/**
 * How long a mount's OCSP state (config/crl, issuers, signed answers to nonce-less requests) is
 * reused. A PKI write in this process invalidates it at once (see pki-write-watch.ts); one made
 * by another process (a revocation, ocsp_disable, an issuer change) shows within this time.
 */
export const OCSP_CACHE_TTL_MS = 5000;
/** Signed answers kept per mount, in bytes (an answer is a few hundred bytes; the key as many again). */
const maxCachedBytesPerMount = 8 * 1024 * 1024;

interface Candidate {
  issuer: PkiIssuerRecord;
  responder: OcspResponder;
}

/** What answering needs of a mount, read from storage once per OCSP_CACHE_TTL_MS. */
interface MountState {
  epoch: number;
  expiresMs: number;
  ocspDisable: boolean;
  ocspExpiry: number;
  /** Issuers with a key and the ocsp-signing usage, in listing order: the first match answers. */
  candidates: Candidate[];
  /** The default issuer, which answers "unknown" for CertIDs of other issuers. */
  fallback: OcspResponder | null;
  /** Signed answers to nonce-less requests, by the request's bytes (latin1): a repeat skips parsing. */
  answers: Map<string, Buffer>;
  cachedBytes: number;
}

const errorBodies = {
  malformedRequest: OcspResponder.errorResponse('malformedRequest'),
  internalError: OcspResponder.errorResponse('internalError'),
  unauthorized: OcspResponder.errorResponse('unauthorized'),
};
const unauthorized = (): OcspAnswer => ({ status: 401, body: errorBodies.unauthorized });

/** RFC 6960 responder: the issuer answers for itself, good unless revoked, unknown for other issuers. */
export class OcspService {
  private readonly states = new Map<string, MountState>();
  private readonly loading = new Map<string, Promise<MountState>>();
  /** Issuer certificates and keys never change: a responder is reused while its issuer exists. */
  private readonly responders = new Map<string, OcspResponder>();
  /** Bumped by every PKI write in this process; state loaded under an older epoch is not used. */
  private epoch = 0;

  constructor(
    private readonly store: PkiStore,
    private readonly custody: KeyCustody,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** A write that may change an OCSP answer (revocation, config, issuers, keys) was stored. */
  changed(): void {
    this.epoch++;
    this.states.clear();
    this.loading.clear();
    this.responders.clear();
  }

  async answer(mount: MountRecord, requestDer: Buffer): Promise<OcspAnswer> {
    try {
      const state = this.freshState(mount.uuid) ?? (await this.loadState(mount));
      if (state.ocspDisable) return unauthorized();
      const key = requestDer.toString('latin1');
      const cached = state.answers.get(key);
      if (cached) return { status: 200, body: cached };
      return await this.signAnswer(mount, state, key, requestDer);
    } catch (error) {
      if (error instanceof OcspRequestError) return { status: 400, body: errorBodies.malformedRequest };
      this.logger.error({ err: error, mount: mount.path }, 'OCSP answer failed');
      return { status: 500, body: errorBodies.internalError };
    }
  }

  private freshState(mountUuid: string): MountState | null {
    const state = this.states.get(mountUuid);
    return state && state.epoch === this.epoch && state.expiresMs > this.clock.nowMs() ? state : null;
  }

  /** Concurrent requests of an expired mount share one load. */
  private loadState(mount: MountRecord): Promise<MountState> {
    const pending = this.loading.get(mount.uuid);
    if (pending) return pending;
    const epoch = this.epoch;
    // States of mounts no longer asked about (or deleted) go when they expire.
    const now = this.clock.nowMs();
    for (const [uuid, state] of this.states) if (state.expiresMs <= now) this.states.delete(uuid);
    const load = this.readState(mount, epoch).then(
      (state) => {
        if (this.loading.get(mount.uuid) === load) this.loading.delete(mount.uuid);
        // A write during the load may have changed what was read: use it for this request only.
        if (this.epoch === epoch) this.states.set(mount.uuid, state);
        return state;
      },
      (error: unknown) => {
        if (this.loading.get(mount.uuid) === load) this.loading.delete(mount.uuid);
        throw error;
      },
    );
    this.loading.set(mount.uuid, load);
    return load;
  }

  private async readState(mount: MountRecord, epoch: number): Promise<MountState> {
    const loadedMs = this.clock.nowMs();
    const config = await readCrlConfig(this.store, mount.uuid);
    const candidates: Candidate[] = [];
    for (const issuer of await this.store.listIssuers(mount.uuid)) {
      if (issuer.keyId === null || !issuer.usage.includes('ocsp-signing')) continue;
      const responder = await this.responderFor(mount, issuer);
      if (responder) candidates.push({ issuer, responder });
    }
    const defaultIssuer = await findIssuer(this.store, mount.uuid, 'default');
    return {
      epoch,
      expiresMs: loadedMs + OCSP_CACHE_TTL_MS,
      ocspDisable: config.ocspDisable,
      ocspExpiry: config.ocspExpiry,
      candidates,
      fallback: defaultIssuer ? await this.responderFor(mount, defaultIssuer) : null,
      answers: new Map(),
      cachedBytes: 0,
    };
  }

  private async signAnswer(mount: MountRecord, state: MountState, key: string, requestDer: Buffer): Promise<OcspAnswer> {
    const request = parseOcspRequest(requestDer);
    const certId = request.certIds[0]!;
    const match = state.candidates.find((candidate) => candidate.responder.matches(certId));
    const responder = match?.responder ?? state.fallback;
    if (!responder) return unauthorized();
    const status = match ? await this.statusOf(mount, match.issuer, certId) : 'unknown';
    const now = this.clock.nowMs();
    const body = responder.respond({
      certId,
      status,
      thisUpdateMs: now,
      nextUpdateMs: state.ocspExpiry > 0 ? now + state.ocspExpiry * 1000 : undefined,
      nonce: request.nonce,
    });
    // A nonce makes the answer single-use; an answer read across a write may be stale.
    if (!request.nonce && this.states.get(mount.uuid) === state && state.epoch === this.epoch) this.remember(state, key, body);
    return { status: 200, body };
  }

  private async statusOf(mount: MountRecord, issuer: PkiIssuerRecord, certId: OcspCertId): Promise<OcspCertStatus> {
    const revocation = await this.store.getRevocation(mount.uuid, formatSerial(certId.serial));
    const revokedHere = revocation !== null && (revocation.issuerId === null || revocation.issuerId === issuer.id);
    return revokedHere ? { revokedAtMs: revocation.revokedAtMs, reason: revocation.reason ?? undefined } : 'good';
  }

  private async responderFor(mount: MountRecord, issuer: PkiIssuerRecord): Promise<OcspResponder | null> {
    if (issuer.keyId === null) return null;
    const id = `${mount.uuid}/${issuer.id}/${issuer.keyId}`;
    const cached = this.responders.get(id);
    if (cached) return cached;
    const key = await this.store.getKey(mount.uuid, issuer.keyId);
    if (!key) return null;
    const responder = new OcspResponder({ issuerCertificateDer: issuer.certificateDer, signingPrivateKey: this.custody.unseal(key) });
    this.responders.set(id, responder);
    return responder;
  }

  private remember(state: MountState, key: string, body: Buffer): void {
    const size = key.length + body.length;
    if (state.cachedBytes + size > maxCachedBytesPerMount) {
      state.answers.clear();
      state.cachedBytes = 0;
    }
    state.answers.set(key, body);
    state.cachedBytes += size;
  }
}
