import type { PkiIssuerRecord } from '../../storage/types.js';

export type SignatureCheck = (child: PkiIssuerRecord, parent: PkiIssuerRecord) => boolean;

const isSelfIssued = (issuer: PkiIssuerRecord): boolean => issuer.subjectDer.equals(issuer.issuerDer);

/** Whether `parent` signed `child`: names and key identifiers match, then the signature verifies. */
function isParent(child: PkiIssuerRecord, parent: PkiIssuerRecord, verify: SignatureCheck): boolean {
  if (!child.issuerDer.equals(parent.subjectDer)) return false;
  if (child.authorityKeyId && !child.authorityKeyId.equals(parent.subjectKeyId)) return false;
  return verify(child, parent);
}

/**
 * The CA chain of an issuer, itself first, then every known ancestor level by level up to
 * the roots. A cross-signed issuer has several parents; all of them are included, so a
 * relying party can build a path to whichever root it trusts. A manual chain wins.
 */
export function buildChain(issuer: PkiIssuerRecord, all: readonly PkiIssuerRecord[], verify: SignatureCheck): PkiIssuerRecord[] {
  if (issuer.manualChain.length > 0) {
    const byId = new Map(all.map((candidate) => [candidate.id, candidate]));
    return issuer.manualChain.map((id) => byId.get(id)).filter((found): found is PkiIssuerRecord => found !== undefined);
  }
  const chain: PkiIssuerRecord[] = [issuer];
  const seenCertificates = new Set([issuer.certificateDer.toString('base64')]);
  let level: PkiIssuerRecord[] = [issuer];
  while (level.length > 0) {
    const next: PkiIssuerRecord[] = [];
    for (const child of level) {
      // A root ends the chain; a certificate with the same key and subject would otherwise look like its parent.
      if (isSelfIssued(child)) continue;
      for (const candidate of all) {
        const key = candidate.certificateDer.toString('base64');
        if (seenCertificates.has(key) || candidate.id === child.id) continue;
        if (!isParent(child, candidate, verify)) continue;
        seenCertificates.add(key);
        chain.push(candidate);
        next.push(candidate);
      }
    }
    level = next;
  }
  return chain;
}
