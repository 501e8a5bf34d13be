/**
 * First look at a presented JWT, before any key is touched: size limit, JWS compact shape,
 * header and payload JSON, and the algorithm gate. Nothing here is trusted yet; it only lets a
 * bad token fail early and with a reason.
 */
import { badRequest, CaError } from '../../core/errors.js';
import { algorithmRefusal } from './algorithms.js';
import { isPlainObject } from './http-fetch.js';

/** Real service-account and OIDC tokens are 1–2 KiB; 16 KiB leaves room for fat group claims. */
export const MAX_JWT_LENGTH = 16 * 1024;

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: Record<string, unknown>;
}

const segment = /^[A-Za-z0-9_-]+$/;

export const denied = (reason: string): CaError => new CaError('permission_denied', reason);

/** Missing → 400, oversized → 400, anything else malformed → 403 with the reason. */
export function checkJwtInput(jwt: unknown, field = 'jwt'): string {
  if (typeof jwt !== 'string' || jwt === '') throw badRequest(`missing ${field}`);
  if (jwt.length > MAX_JWT_LENGTH) throw badRequest(`${field} is too large: ${jwt.length} bytes, the limit is ${MAX_JWT_LENGTH}`);
  return jwt.trim();
}

function decodeSegment(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw denied(`malformed JWT: the ${what} is not base64url-encoded JSON`);
  }
  if (!isPlainObject(value)) throw denied(`malformed JWT: the ${what} is not a JSON object`);
  return value;
}

/**
 * Decodes without verifying. Refuses JWE (5 parts), unsigned tokens, HMAC algorithms and any
 * algorithm outside `allowedAlgorithms`.
 */
export function decodeUnverified(jwt: string, allowedAlgorithms: readonly string[]): DecodedJwt {
  const parts = jwt.split('.');
  if (parts.length === 5) throw denied('malformed JWT: encrypted JWTs (JWE) are not accepted');
  if (parts.length !== 3) throw denied(`malformed JWT: expected 3 dot-separated parts, found ${parts.length}`);
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  if (!segment.test(headerPart) || !segment.test(payloadPart)) throw denied('malformed JWT: header or payload is not base64url');
  const header = decodeSegment(headerPart, 'header');
  const refusal = algorithmRefusal(header.alg, allowedAlgorithms);
  if (refusal) throw denied(refusal);
  if (!segment.test(signaturePart)) throw denied('malformed JWT: the signature is missing or not base64url');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw denied('malformed JWT: "kid" is not a string');
  const payload = decodeSegment(payloadPart, 'payload');
  return { header: header as JwtHeader, payload };
}

/** `aud` as a list: absent → [], a string → [it], an array of strings → it; anything else refused. */
export function audienceList(payload: Record<string, unknown>): string[] {
  const aud = payload.aud;
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  throw denied('malformed JWT: "aud" is neither a string nor a list of strings');
}

/** A NumericDate claim as seconds, or undefined when absent; a non-number is refused. */
export function numericDateClaim(payload: Record<string, unknown>, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw denied(`malformed JWT: "${name}" is not a number`);
  return value;
}

export interface TimeCheck {
  nowSeconds: number;
  leewaySeconds: number;
  /** Refuse tokens without `exp` (OIDC discovery does; Kubernetes legacy tokens have none). */
  requireExpiry?: boolean;
}

/** exp, nbf and iat against the injected clock, each with the same leeway. */
export function checkTimeClaims(payload: Record<string, unknown>, check: TimeCheck): void {
  const { nowSeconds: now, leewaySeconds: leeway } = check;
  const exp = numericDateClaim(payload, 'exp');
  const nbf = numericDateClaim(payload, 'nbf');
  const iat = numericDateClaim(payload, 'iat');
  if (exp === undefined && check.requireExpiry) throw denied('JWT has no "exp" claim');
  if (exp !== undefined && now - leeway >= exp) throw denied(`JWT expired at ${exp} (now ${now}, leeway ${leeway}s)`);
  if (nbf !== undefined && now + leeway < nbf) throw denied(`JWT is not valid before ${nbf} (now ${now}, leeway ${leeway}s)`);
  if (iat !== undefined && now + leeway < iat) throw denied(`JWT was issued in the future (iat ${iat}, now ${now}, leeway ${leeway}s)`);
}
