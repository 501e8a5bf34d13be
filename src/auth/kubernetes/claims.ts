/**
 * Who a service-account token speaks for. Two shapes exist:
 *  - projected (bound) tokens, Kubernetes ≥ 1.12: `kubernetes.io: {namespace, serviceaccount:
 *    {name, uid}, pod?: {name, uid}}`, `sub = system:serviceaccount:<ns>:<name>`, `aud`, `exp`;
 *  - legacy secret tokens: flat `kubernetes.io/serviceaccount/{namespace, service-account.name,
 *    service-account.uid, secret.name}` claims, iss `kubernetes/serviceaccount`, no expiry.
 * As in Vault, the projected values win when both are present.
 */
import { audienceList, denied, numericDateClaim } from '../jwt/compact.js';
import { isPlainObject } from '../jwt/http-fetch.js';

export interface ServiceAccountIdentity {
  kind: 'projected' | 'legacy';
  namespace: string;
  name: string;
  uid: string;
  /** Legacy tokens only; "" for projected ones. */
  secretName: string;
  podName?: string;
  podUid?: string;
  audiences: string[];
  /** Seconds; absent for legacy tokens. */
  expiresAt?: number;
}

const legacy = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  name: 'kubernetes.io/serviceaccount/service-account.name',
  uid: 'kubernetes.io/serviceaccount/service-account.uid',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
} as const;

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw denied(`malformed service account token: ${what} is not a string`);
  return value;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw denied(`service account token has no ${what}`);
  return value;
}

export function parseServiceAccountClaims(payload: Record<string, unknown>): ServiceAccountIdentity {
  const projected = payload['kubernetes.io'];
  const audiences = audienceList(payload);
  const expiresAt = numericDateClaim(payload, 'exp');
  let identity: ServiceAccountIdentity;

  if (projected !== undefined && projected !== null) {
    if (!isPlainObject(projected)) throw denied('malformed service account token: "kubernetes.io" is not an object');
    const sa = projected.serviceaccount;
    if (!isPlainObject(sa)) throw denied('service account token has no kubernetes.io.serviceaccount');
    const pod = projected.pod;
    if (pod !== undefined && pod !== null && !isPlainObject(pod)) throw denied('malformed service account token: kubernetes.io.pod is not an object');
    const podName = isPlainObject(pod) ? optionalString(pod.name, 'kubernetes.io.pod.name') : undefined;
    const podUid = isPlainObject(pod) ? optionalString(pod.uid, 'kubernetes.io.pod.uid') : undefined;
    identity = {
      kind: 'projected',
      namespace: required(optionalString(projected.namespace, 'kubernetes.io.namespace'), 'namespace'),
      name: required(optionalString(sa.name, 'kubernetes.io.serviceaccount.name'), 'service account name'),
      uid: required(optionalString(sa.uid, 'kubernetes.io.serviceaccount.uid'), 'service account UID'),
      secretName: '',
      ...(podName ? { podName } : {}),
      ...(podUid ? { podUid } : {}),
      audiences,
    };
  } else if (payload[legacy.namespace] !== undefined || payload[legacy.name] !== undefined) {
    identity = {
      kind: 'legacy',
      namespace: required(optionalString(payload[legacy.namespace], legacy.namespace), 'namespace'),
      name: required(optionalString(payload[legacy.name], legacy.name), 'service account name'),
      uid: required(optionalString(payload[legacy.uid], legacy.uid), 'service account UID'),
      secretName: optionalString(payload[legacy.secretName], legacy.secretName) ?? '',
      audiences,
    };
  } else {
    throw denied('JWT is not a Kubernetes service account token (no kubernetes.io claims)');
  }
  if (expiresAt !== undefined) identity.expiresAt = expiresAt;

  // Kubernetes always writes sub = system:serviceaccount:<ns>:<name>; a disagreeing sub is forged or foreign.
  const sub = payload.sub;
  if (typeof sub === 'string' && sub.startsWith('system:serviceaccount:') && sub !== serviceAccountUsername(identity)) {
    throw denied(`sub "${sub}" does not match the service account claims`);
  }
  return identity;
}

export const serviceAccountUsername = (identity: Pick<ServiceAccountIdentity, 'namespace' | 'name'>): string =>
  `system:serviceaccount:${identity.namespace}:${identity.name}`;
