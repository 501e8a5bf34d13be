/**
 * Asking the cluster: `POST {kubernetes_host}/apis/authentication.k8s.io/v1/tokenreviews`, as
 * Vault's token_review.go does. Bearer: token_reviewer_jwt, else the in-pod token (when the
 * caller supplies it and disable_local_ca_jwt is off), else the login JWT itself (the client's
 * service account then needs `system:auth-delegator`). TLS trust: kubernetes_ca_cert, else the
 * in-pod CA, else the system roots.
 *
 * Outcomes: the cluster says no (unauthenticated, error, 401/403 on the client's own token) →
 * permission_denied; the cluster cannot be asked (unreachable, 5xx, nonsense, our reviewer token
 * refused) → upstream, so operators see a 502 rather than users being told they are unknown.
 */
import { CaError } from '../../core/errors.js';
import { denied } from '../jwt/compact.js';
import { describeForLog, isPlainObject, parseJsonObject, send, type HttpFetch } from '../jwt/http-fetch.js';
import type { KubernetesConfig } from './config.js';

export interface TokenReviewOptions {
  /** spec.audiences; Vault sends the role's audience, else the token's own `aud`. */
  audiences?: string[];
  /** In-pod files (`/var/run/secrets/kubernetes.io/serviceaccount/{ca.crt,token}`), read by the caller. */
  localCaCert?: string;
  localReviewerJwt?: string;
  timeoutMs?: number;
}

export interface TokenReviewResult {
  namespace: string;
  name: string;
  uid: string;
  /** status.audiences: the requested audiences the token is valid for. */
  audiences: string[];
  podName?: string;
  podUid?: string;
}

const POD_NAME = 'authentication.kubernetes.io/pod-name';
const POD_UID = 'authentication.kubernetes.io/pod-uid';

function firstExtra(extra: unknown, key: string): string | undefined {
  if (!isPlainObject(extra)) return undefined;
  const value = extra[key];
  if (Array.isArray(value) && typeof value[0] === 'string' && value[0] !== '') return value[0];
  return undefined;
}

export async function reviewToken(jwt: string, config: KubernetesConfig, fetchImpl: HttpFetch, options: TokenReviewOptions = {}): Promise<TokenReviewResult> {
  if (config.kubernetesHost === '') throw new CaError('internal', 'TokenReview needs kubernetes_host');
  const useLocal = !config.disableLocalCaJwt;
  const reviewerJwt = config.tokenReviewerJwt || (useLocal ? (options.localReviewerJwt ?? '').trim() : '');
  const selfBearer = reviewerJwt === '';
  const caPem = config.kubernetesCaCert || (useLocal ? (options.localCaCert ?? '') : '');
  const audiences = options.audiences?.filter((a) => a !== '') ?? [];

  const url = `${config.kubernetesHost}/apis/authentication.k8s.io/v1/tokenreviews`;
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: jwt, ...(audiences.length > 0 ? { audiences } : {}) },
  });
  const response = await send(
    fetchImpl,
    {
      method: 'POST',
      url,
      body,
      caPem,
      headers: { authorization: `Bearer ${selfBearer ? jwt : reviewerJwt}`, 'content-type': 'application/json', accept: 'application/json' },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
    'TokenReview',
  );

  const parsed = parseJsonObject(response.body);
  const apiMessage = parsed && typeof parsed.message === 'string' ? `: ${describeForLog(parsed.message)}` : '';
  if (response.status === 401 || response.status === 403) {
    if (selfBearer) {
      const why = response.status === 401 ? 'the token is not valid (deleted or recreated service account?)' : 'the service account may not create TokenReviews (system:auth-delegator)';
      throw denied(`TokenReview with the login JWT as bearer answered HTTP ${response.status}: ${why}${apiMessage}`);
    }
    throw new CaError('upstream', `TokenReview refused the token_reviewer_jwt with HTTP ${response.status}${apiMessage}`);
  }
  if (response.status < 200 || response.status > 206) {
    throw new CaError('upstream', `TokenReview answered HTTP ${response.status}${apiMessage}`);
  }
  if (parsed?.kind === 'Status' && parsed.status !== 'Success') throw new CaError('upstream', `TokenReview failed${apiMessage}`);
  if (!parsed || !isPlainObject(parsed.status)) throw new CaError('upstream', 'TokenReview answer has no status object');

  const status = parsed.status;
  if (typeof status.error === 'string' && status.error !== '') throw denied(`lookup failed: ${describeForLog(status.error)}`);
  if (status.authenticated !== true) throw denied('lookup failed: service account jwt not valid');
  const user = isPlainObject(status.user) ? status.user : {};
  const username = typeof user.username === 'string' ? user.username : '';
  const parts = username.split(':');
  if (parts.length !== 4) throw denied('lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw denied('lookup failed: username returned is not a service account');
  const uid = typeof user.uid === 'string' ? user.uid : '';

  const reviewedAudiences = Array.isArray(status.audiences) ? status.audiences.filter((a): a is string => typeof a === 'string') : [];
  if (audiences.length > 0 && reviewedAudiences.length > 0 && !audiences.some((a) => reviewedAudiences.includes(a))) {
    throw denied('lookup failed: the token is not valid for the requested audiences');
  }
  const podName = firstExtra(user.extra, POD_NAME);
  const podUid = firstExtra(user.extra, POD_UID);
  return {
    namespace: parts[2]!,
    name: parts[3]!,
    uid,
    audiences: reviewedAudiences,
    ...(podName ? { podName } : {}),
    ...(podUid ? { podUid } : {}),
  };
}
