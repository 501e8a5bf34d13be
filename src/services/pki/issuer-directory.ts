import { badRequest } from '../../core/errors.js';
import { parseCertificateDer } from '../../pki/cert-info.js';
import { type CertificateSigner, createSigner } from '../../pki/sign.js';
import type { PkiIssuerRecord, PkiStore } from '../../storage/types.js';
import { buildChain } from './chain.js';
import type { KeyCustody } from './key-custody.js';

export interface SignatureChoice {
  signatureBits: number;
  usePss: boolean;
}

/**
 * Chains and signers of a mount's issuers. Signature checks between issuers and prepared
 * signers are cached by issuer id: an issuer's certificate and key never change.
 */
export class IssuerDirectory {
  private readonly signatureChecks = new Map<string, boolean>();
  private readonly signers = new Map<string, CertificateSigner>();

  constructor(
    private readonly store: PkiStore,
    private readonly custody: KeyCustody,
  ) {}

  private readonly verify = (child: PkiIssuerRecord, parent: PkiIssuerRecord): boolean => {
    const key = `${child.id}>${parent.id}`;
    let verdict = this.signatureChecks.get(key);
    if (verdict === undefined) {
      verdict = parseCertificateDer(child.certificateDer).verifySignedBy(parseCertificateDer(parent.certificateDer).publicKey);
      this.signatureChecks.set(key, verdict);
    }
    return verdict;
  };

  /** Itself first, then parents up to the roots. */
  async chain(mountUuid: string, issuer: PkiIssuerRecord): Promise<PkiIssuerRecord[]> {
    return buildChain(issuer, await this.store.listIssuers(mountUuid), this.verify);
  }

  /** Whether `parent` (an issuer of the mount) signed this certificate. */
  signedBy(certificateDer: Buffer, parent: PkiIssuerRecord): boolean {
    return parseCertificateDer(certificateDer).verifySignedBy(parseCertificateDer(parent.certificateDer).publicKey);
  }

  async signer(mountUuid: string, issuer: PkiIssuerRecord, choice: SignatureChoice): Promise<CertificateSigner> {
    if (!issuer.usage.includes('issuing-certificates')) {
      throw badRequest(`issuer ${issuer.name || issuer.id} is not allowed to issue certificates (usage: ${issuer.usage.join(',')})`);
    }
    if (issuer.keyId === null) throw badRequest(`issuer ${issuer.name || issuer.id} has no private key in this mount and cannot sign`);
    const cacheKey = `${issuer.id}/${issuer.keyId}/${choice.signatureBits}/${choice.usePss}`;
    const cached = this.signers.get(cacheKey);
    if (cached) return cached;
    const key = await this.store.getKey(mountUuid, issuer.keyId);
    if (!key) throw badRequest(`the key of issuer ${issuer.name || issuer.id} is missing`);
    const signer = createSigner({
      subjectDer: issuer.subjectDer,
      subjectKeyId: issuer.subjectKeyId,
      privateKey: this.custody.unseal(key),
      signatureBits: choice.signatureBits,
      usePss: choice.usePss,
    });
    this.signers.set(cacheKey, signer);
    return signer;
  }
}
