/**
 * `auth/cert/login`: the client certificate of the TLS connection against the trusted
 * certificates of the roles (Vault's verifyCredentials). The server sees only the client's leaf,
 * so a role's certificate must be the leaf itself or the CA that signed it directly.
 * Refusals are CaError('permission_denied') with the reason; the caller logs it.
 */
import type { Clock } from '../../core/clock.js';
import { badRequest, CaError } from '../../core/errors.js';
import { type CertInfo, parseCertificateDer, parseCertificates } from '../../pki/cert-info.js';
import { globMatch } from '../../pki/glob.js';
import type { AuthLogin } from '../jwt/login-result.js';
import { remoteAddressAllowed, tokenParamsOf } from '../jwt/token-params.js';
import type { CertConfig, CertRole } from './role.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';
const anyExtendedKeyUsageOid = '2.5.29.37.0';

const refuse = (reason: string): CaError => new CaError('permission_denied', reason);

export interface CertLoginRequest {
  /** DER of the TLS client certificate, or null when the client sent none. */
  peerCertificate: Buffer | null;
  /** Roles to try, in order (one when the login names it). */
  roles: ReadonlyArray<{ name: string; role: CertRole }>;
  config: CertConfig;
  remoteAddress: string | undefined;
}

const within = (cert: CertInfo, nowMs: number): boolean => cert.notBeforeMs <= nowMs && nowMs <= cert.notAfterMs;

/** Whether `trusted` vouches for `client`: the same certificate, or the CA that signed it. */
function chainsTo(client: CertInfo, trusted: CertInfo, nowMs: number): boolean {
  if (trusted.der.equals(client.der)) return true;
  if (!trusted.isCa || !within(trusted, nowMs)) return false;
  if (!client.issuerDer.equals(trusted.subjectDer)) return false;
  if (trusted.keyUsage !== null && !trusted.keyUsage.includes('CertSign')) return false;
  return client.verifySignedBy(trusted.publicKey);
}

const anyGlob = (patterns: readonly string[], values: readonly string[]): boolean =>
  patterns.length === 0 || patterns.some((pattern) => values.some((value) => globMatch(pattern, value)));

/** Vault's matchesConstraints (without CRLs and extensions). */
export function matchesCertConstraints(client: CertInfo, role: CertRole): boolean {
  const commonName = client.commonName === '' ? [] : [client.commonName];
  const ous = client.subject.filter((a) => a.type === 'OU').map((a) => a.value);
  return (
    anyGlob(role.allowedNames, [...commonName, ...client.sans.dns, ...client.sans.email]) &&
    anyGlob(role.allowedCommonNames, commonName) &&
    anyGlob(role.allowedDnsSans, client.sans.dns) &&
    anyGlob(role.allowedEmailSans, client.sans.email) &&
    anyGlob(role.allowedUriSans, client.sans.uri) &&
    anyGlob(role.allowedOrganizationalUnits, ous)
  );
}

const hexColons = (bytes: Buffer | null): string => (bytes ? [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':') : '');

export function loginCert(request: CertLoginRequest, deps: { clock: Clock }): AuthLogin {
  if (!request.peerCertificate) throw badRequest('client certificate must be supplied');
  let client: CertInfo;
  try {
    client = parseCertificateDer(request.peerCertificate);
  } catch (error) {
    throw refuse(`unparsable client certificate: ${(error as Error).message}`);
  }
  const nowMs = deps.clock.nowMs();
  if (!within(client, nowMs)) throw refuse('the client certificate has expired or is not yet valid');
  if (client.extKeyUsageOids.length > 0 && !client.extKeyUsageOids.some((oid) => oid === clientAuthOid || oid === anyExtendedKeyUsageOid)) {
    throw refuse('the client certificate is not valid for client authentication (extended key usage)');
  }

  let chained = false;
  let matched: { name: string; role: CertRole } | null = null;
  for (const entry of request.roles) {
    let trusted: CertInfo[];
    try {
      trusted = parseCertificates(entry.role.certificate);
    } catch {
      continue;
    }
    if (!trusted.some((cert) => chainsTo(client, cert, nowMs))) continue;
    chained = true;
    if (matchesCertConstraints(client, entry.role)) {
      matched = entry;
      break;
    }
  }
  if (!chained) throw refuse('invalid certificate or no client certificate supplied');
  if (!matched) throw refuse('no chain matching all constraints could be found for this login certificate');
  const { name, role } = matched;
  if (!remoteAddressAllowed(request.remoteAddress, role.tokenBoundCidrs)) {
    throw refuse(`client address ${request.remoteAddress ?? '(unknown)'} is not in the role's token_bound_cidrs`);
  }

  const metadata = {
    cert_name: name,
    common_name: client.commonName,
    serial_number: BigInt(`0x${client.serial.toString('hex') || '0'}`).toString(10),
    subject_key_id: hexColons(client.subjectKeyId),
    authority_key_id: hexColons(client.authorityKeyId),
  };
  return {
    roleName: name,
    // Vault: the alias is the subject common name of the client certificate.
    aliasName: client.commonName,
    aliasMetadata: request.config.enableIdentityAliasMetadata ? { ...metadata } : {},
    metadata,
    displayName: role.displayName,
    groupAliases: [],
    token: tokenParamsOf(role),
  };
}
