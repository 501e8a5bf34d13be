import { createPublicKey } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { type CertInfo, parseCertificate } from '../../pki/cert-info.js';
import { parsePrivateKey } from '../../pki/keys.js';
import { formatSerial, parseSerial } from '../../pki/serial.js';
import { spkiDerOf } from '../../pki/spki.js';
import { formatRfc3339Nano } from '../../pki/validity.js';
import type { MountRecord, PkiIssuerRecord, PkiRevocationRecord, PkiStore } from '../../storage/types.js';
import type { CrlService } from './crl-service.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { resolveIssuer } from './references.js';

export interface RevokeRequest {
  serialNumber: string;
  certificate: string;
  /** revoke-with-key: the certificate's private key, PEM. */
  privateKey?: string;
}

export interface RevokeResult {
  data: Record<string, unknown> | null;
  warnings: string[];
}

/** Vault refuses to revoke a certificate that expires within this margin. */
const expiryMarginMs = 2000;

export const revocationFields = (record: PkiRevocationRecord): Record<string, unknown> => ({
  revocation_time: Math.floor(record.revokedAtMs / 1000),
  revocation_time_rfc3339: formatRfc3339Nano(record.revokedAtMs),
  state: 'revoked',
});

/** revoke, revoke-with-key, issuer/:ref/revoke, certs/revoked. */
export class RevocationService {
  constructor(
    private readonly store: PkiStore,
    private readonly directory: IssuerDirectory,
    private readonly crls: CrlService,
    private readonly clock: Clock,
  ) {}

  async revoke(mount: MountRecord, request: RevokeRequest): Promise<RevokeResult> {
    if (request.serialNumber === '' && request.certificate === '') throw badRequest('The serial number or certificate to revoke must be provided.');
    if (request.serialNumber !== '' && request.certificate !== '') throw badRequest('Must provide either the certificate or the serial to revoke; not both.');

    let info: CertInfo;
    let issuerId: string | null;
    // A presented certificate we never stored is stored with its revocation, once every check passed.
    let unstored = false;
    if (request.certificate !== '') {
      info = parseCertificate(request.certificate);
      const signer = await this.signingIssuer(mount, info);
      if (!signer) throw badRequest('unable to verify signature on presented cert from any present issuer in this mount; refusing to revoke');
      issuerId = signer.id;
      unstored = (await this.store.getCert(mount.uuid, info.serialNumber)) === null;
    } else {
      const serial = formatSerial(parseSerial(request.serialNumber));
      const stored = await this.store.getCert(mount.uuid, serial);
      if (!stored) throw badRequest(`certificate with serial ${serial} not found.`);
      info = parseCertificate(stored.certificateDer);
      issuerId = stored.issuerId;
    }

    if (request.privateKey !== undefined) {
      if (request.privateKey.length < 64) throw badRequest('provided private key is too short to be a valid key');
      const key = parsePrivateKey(request.privateKey);
      if (!spkiDerOf(createPublicKey(key)).equals(info.spkiDer)) throw badRequest('provided private key does not match certificate\'s public key');
    }

    const issuers = await this.store.listIssuers(mount.uuid);
    const own = issuers.find((issuer) => issuer.serial === info.serialNumber && issuer.certificateDer.equals(info.der));
    if (own) throw badRequest(`adding issuer (id: ${own.id}) to its own CRL is not allowed`);
    if (unstored) {
      await this.store.insertCert(mount.uuid, { serial: info.serialNumber, issuerId, certificateDer: info.der, notAfterMs: info.notAfterMs, createdAt: this.clock.nowMs() });
    }

    const existing = await this.store.getRevocation(mount.uuid, info.serialNumber);
    if (existing) return { data: revocationFields(existing), warnings: [] };
    if (info.notAfterMs < this.clock.nowMs() + expiryMarginMs) {
      return { data: null, warnings: [`certificate with serial ${info.serialNumber} already expired; refusing to add to CRL`] };
    }
    const crlIssuer = await this.crls.issuerFor(mount, issuerId);
    const { record } = await this.store.revokeCert(mount.uuid, {
      serial: info.serialNumber,
      issuerId: crlIssuer?.id ?? issuerId,
      revokedAtMs: this.clock.nowMs(),
      reason: null,
    });
    if (record.issuerId) this.crls.markDirty(mount.uuid, record.issuerId);
    return { data: revocationFields(record), warnings: [] };
  }

  /** issuer/:ref/revoke: irreversible; the issuer goes on its parent's CRL when the parent is in this mount. */
  async revokeIssuer(mount: MountRecord, ref: string): Promise<PkiIssuerRecord> {
    const issuer = await resolveIssuer(this.store, mount.uuid, ref);
    if (issuer.revoked) return issuer;
    const now = this.clock.nowMs();
    const revoked: PkiIssuerRecord = { ...issuer, revoked: true, revocationTimeMs: now, usage: issuer.usage.filter((u) => u !== 'issuing-certificates') };
    await this.store.updateIssuer(mount.uuid, revoked);
    const parents = (await this.store.listIssuers(mount.uuid)).filter(
      (candidate) => candidate.id !== issuer.id && !issuer.subjectDer.equals(issuer.issuerDer) && this.directory.signedBy(issuer.certificateDer, candidate),
    );
    for (const parent of parents) {
      await this.store.revokeCert(mount.uuid, { serial: issuer.serial, issuerId: parent.id, revokedAtMs: now, reason: null });
      this.crls.markDirty(mount.uuid, parent.id);
    }
    return revoked;
  }

  async revocation(mount: MountRecord, serial: string): Promise<PkiRevocationRecord | null> {
    return this.store.getRevocation(mount.uuid, serial);
  }

  async listRevoked(mount: MountRecord): Promise<string[]> {
    return this.store.listRevokedSerials(mount.uuid);
  }

  private async signingIssuer(mount: MountRecord, info: CertInfo): Promise<PkiIssuerRecord | null> {
    for (const issuer of await this.store.listIssuers(mount.uuid)) {
      if (issuer.subjectDer.equals(info.issuerDer) && this.directory.signedBy(info.der, issuer)) return issuer;
    }
    return null;
  }
}
