/**
 * The agent's configuration: built once from parsed `-flag=value` values and the environment
 * (VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_LOG_LEVEL), validated and frozen.
 */
import { AgentError } from './errors.js';

export type AuthMethod = 'token' | 'kubernetes' | 'approle' | 'cert';
export type KeyMode = 'server' | 'local';

export interface AgentConfig {
  address: string;
  caCertFile: string | null;
  auth:
    | { method: 'token'; token: string | null; tokenFile: string | null }
    | { method: 'kubernetes'; mount: string; role: string; jwtFile: string }
    | { method: 'approle'; mount: string; roleIdFile: string; secretIdFile: string | null }
    | { method: 'cert'; mount: string; role: string | null; clientCert: string; clientKey: string };
  mount: string;
  role: string;
  commonName: string;
  altNames: string[];
  ipSans: string[];
  uriSans: string[];
  ttl: string | null;
  keyMode: KeyMode;
  keyType: 'rsa' | 'ec' | 'ed25519';
  keyBits: number;
  outDir: string;
  certName: string;
  keyName: string;
  caName: string;
  bundleName: string | null;
  /** tls.crt holds the leaf and the intermediates (the Kubernetes TLS-secret layout). */
  certWithChain: boolean;
  owner: { uid: number; gid: number } | null;
  once: boolean;
  renewFraction: number;
  renewJitter: number;
  retryInitialMs: number;
  retryMaxMs: number;
  pidFile: string | null;
  pid: number | null;
  reloadSignal: NodeJS.Signals;
  reloadCommand: string | null;
  readyFile: string | null;
  logLevel: string;
  /** HOST:PORT of the probe and metrics listener (daemon only). */
  listenAddress: string | null;
}

export const defaultJwtFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const agentBooleanFlags = new Set(['once', 'help', 'h', 'cert-with-chain']);
export const agentFlags = new Set([
  ...agentBooleanFlags,
  'address', 'ca-cert', 'token', 'token-file', 'auth', 'auth-role', 'auth-mount', 'jwt-file', 'role-id-file',
  'secret-id-file', 'client-cert', 'client-key', 'mount', 'role', 'common-name', 'alt-names', 'ip-sans', 'uri-sans',
  'ttl', 'key-mode', 'key-type', 'key-bits', 'out-dir', 'cert-file-name', 'key-file-name', 'ca-file-name',
  'bundle-file-name', 'owner', 'renew-fraction', 'renew-jitter', 'retry-initial', 'retry-max', 'pid-file', 'pid',
  'reload-signal', 'reload-command', 'ready-file', 'log-level', 'listen-address', 'config',
]);

const list = (value: string | undefined): string[] =>
  (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function fraction(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new AgentError(`-${name} must be a number between ${min} and ${max}, got "${value}"`);
  return n;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Go-style durations with ms (`250ms`, `1m30s`), or plain seconds. */
function durationMs(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const v = value.trim();
  let total = 0;
  if (/^\d+(\.\d+)?$/.test(v)) total = Number(v) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(v)) {
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * unitMs[m[2]!]!;
  } else total = NaN;
  if (!Number.isFinite(total) || total <= 0) throw new AgentError(`-${name}: invalid duration "${value}"`);
  return total;
}

function fileName(name: string, value: string | undefined, fallback: string): string {
  const v = value ?? fallback;
  if (v === '' || v.includes('/') || v.startsWith('..') || v === '.') throw new AgentError(`-${name} must be a plain file name, got "${v}"`);
  return v;
}

function signalOf(value: string | undefined): NodeJS.Signals {
  const raw = (value ?? 'HUP').toUpperCase();
  const name = (raw.startsWith('SIG') ? raw : `SIG${raw}`) as NodeJS.Signals;
  if (!/^SIG[A-Z0-9]+$/.test(name)) throw new AgentError(`-reload-signal: unknown signal "${value}"`);
  return name;
}

function ownerOf(value: string | undefined): AgentConfig['owner'] {
  if (value === undefined || value === '') return null;
  const m = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new AgentError(`-owner must be UID or UID:GID (numeric), got "${value}"`);
  const uid = Number(m[1]);
  return { uid, gid: m[2] === undefined ? -1 : Number(m[2]) };
}

function booleanOf(name: string, value: string | undefined): boolean {
  const v = (value ?? 'false').toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new AgentError(`-${name} must be true or false, got "${value}"`);
}

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function logLevelOf(value: string | undefined): string {
  const level = (value ?? 'info').toLowerCase();
  if (!logLevels.includes(level)) throw new AgentError(`-log-level must be one of ${logLevels.join(', ')}, got "${value}"`);
  return level;
}

function required(values: ReadonlyMap<string, string>, name: string, why = ''): string {
  const v = values.get(name);
  if (v === undefined || v === '') throw new AgentError(`-${name} is required${why}`);
  return v;
}

function authOf(v: ReadonlyMap<string, string>): AgentConfig['auth'] {
  const method = v.get('auth') ?? 'token';
  switch (method) {
    case 'token': {
      const token = v.get('token') || null;
      const tokenFile = v.get('token-file') || null;
      if (token === null && tokenFile === null) throw new AgentError('no token: set -token, -token-file or VAULT_TOKEN, or choose -auth=kubernetes|approle|cert');
      return { method, token, tokenFile };
    }
    case 'kubernetes':
      return { method, mount: v.get('auth-mount') ?? 'kubernetes', role: required(v, 'auth-role', ' with -auth=kubernetes'), jwtFile: v.get('jwt-file') ?? defaultJwtFile };
    case 'approle':
      return { method, mount: v.get('auth-mount') ?? 'approle', roleIdFile: required(v, 'role-id-file', ' with -auth=approle'), secretIdFile: v.get('secret-id-file') ?? null };
    case 'cert': {
      const outDir = v.get('out-dir') ?? '';
      return {
        method,
        mount: v.get('auth-mount') ?? 'cert',
        role: v.get('auth-role') ?? null,
        // Default: the certificate the agent already holds.
        clientCert: v.get('client-cert') ?? `${outDir}/${v.get('cert-file-name') ?? 'tls.crt'}`,
        clientKey: v.get('client-key') ?? `${outDir}/${v.get('key-file-name') ?? 'tls.key'}`,
      };
    }
    default:
      throw new AgentError(`-auth must be token, kubernetes, approle or cert, got "${method}"`);
  }
}

/**
 * One value per flag from three layers: flags beat the environment, which beats the config file.
 * The token is one setting: the highest layer naming -token, -token-file or VAULT_TOKEN decides it.
 */
export function layeredValues(flags: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, file: ReadonlyMap<string, string>): Map<string, string> {
  const merged = new Map(file);
  for (const [name, value] of [['address', env.VAULT_ADDR], ['ca-cert', env.VAULT_CACERT], ['log-level', env.VAULT_LOG_LEVEL]] as const) {
    if (value) merged.set(name, value);
  }
  const tokenFlag = flags.has('token') || flags.has('token-file');
  if (tokenFlag || env.VAULT_TOKEN) {
    merged.delete('token');
    merged.delete('token-file');
  }
  if (!tokenFlag && env.VAULT_TOKEN) merged.set('token', env.VAULT_TOKEN);
  for (const [name, value] of flags) merged.set(name, value);
  return merged;
}

export function agentConfigFrom(flags: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, file: ReadonlyMap<string, string> = new Map()): AgentConfig {
  const values = layeredValues(flags, env, file);
  const address = values.get('address') ?? '';
  if (address === '') throw new AgentError('no server address: set -address or VAULT_ADDR');
  const keyMode = values.get('key-mode') ?? 'server';
  if (keyMode !== 'server' && keyMode !== 'local') throw new AgentError(`-key-mode must be local or server, got "${keyMode}"`);
  const keyType = values.get('key-type') ?? 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ec' && keyType !== 'ed25519') throw new AgentError(`-key-type must be rsa, ec or ed25519, got "${keyType}"`);
  const defaultBits = keyType === 'rsa' ? 2048 : keyType === 'ec' ? 256 : 0;
  const keyBits = values.has('key-bits') ? Number(values.get('key-bits')) : defaultBits;
  const allowedBits = keyType === 'rsa' ? [2048, 3072, 4096] : keyType === 'ec' ? [256, 384, 521] : [0];
  if (!allowedBits.includes(keyBits)) throw new AgentError(`-key-bits ${values.get('key-bits')} is not valid for ${keyType} (use ${allowedBits.join(', ')})`);
  const pidRaw = values.get('pid');
  const pid = pidRaw === undefined ? null : Number(pidRaw);
  if (pid !== null && (!Number.isInteger(pid) || pid <= 0)) throw new AgentError(`-pid must be a positive process id, got "${pidRaw}"`);
  const ttl = values.get('ttl') ?? null;
  if (ttl !== null) durationMs('ttl', ttl, 0);
  const config: AgentConfig = {
    address,
    caCertFile: values.get('ca-cert') || null,
    auth: authOf(values),
    mount: (values.get('mount') ?? 'pki').replace(/^\/+|\/+$/g, ''),
    role: required(values, 'role'),
    commonName: required(values, 'common-name'),
    altNames: list(values.get('alt-names')),
    ipSans: list(values.get('ip-sans')),
    uriSans: list(values.get('uri-sans')),
    ttl,
    keyMode,
    keyType,
    keyBits,
    outDir: required(values, 'out-dir'),
    certName: fileName('cert-file-name', values.get('cert-file-name'), 'tls.crt'),
    keyName: fileName('key-file-name', values.get('key-file-name'), 'tls.key'),
    caName: fileName('ca-file-name', values.get('ca-file-name'), 'ca.crt'),
    bundleName: values.has('bundle-file-name') ? fileName('bundle-file-name', values.get('bundle-file-name'), '') : null,
    owner: ownerOf(values.get('owner')),
    once: booleanOf('once', values.get('once')),
    certWithChain: booleanOf('cert-with-chain', values.get('cert-with-chain')),
    renewFraction: fraction('renew-fraction', values.get('renew-fraction'), 2 / 3, 0.05, 0.95),
    renewJitter: fraction('renew-jitter', values.get('renew-jitter'), 0.05, 0, 0.25),
    retryInitialMs: durationMs('retry-initial', values.get('retry-initial'), 1000),
    retryMaxMs: durationMs('retry-max', values.get('retry-max'), 300_000),
    pidFile: values.get('pid-file') ?? null,
    pid,
    reloadSignal: signalOf(values.get('reload-signal')),
    reloadCommand: values.get('reload-command') ?? null,
    readyFile: values.get('ready-file') ?? null,
    logLevel: logLevelOf(values.get('log-level')),
    listenAddress: values.get('listen-address') || null,
  };
  const names = [config.certName, config.keyName, config.caName, config.bundleName].filter((n) => n !== null);
  if (new Set(names).size !== names.length) throw new AgentError('output file names must differ');
  return Object.freeze(config);
}

export const agentHelp = `Usage: mintca agent [options]

  Logs in to mintca (or Vault), obtains a certificate from a PKI role, writes it to a directory and
  keeps it renewed. With -once it issues, writes and exits (an init container).

Configuration:
  -config=FILE              JSON object whose keys are these flag names without the dash, e.g.
                            {"address": "https://mintca:8200", "role": "web", "alt-names": ["a", "b"]}.
                            Precedence: flags, then the environment (VAULT_ADDR, VAULT_TOKEN,
                            VAULT_CACERT, VAULT_LOG_LEVEL), then the file. -token, -token-file and
                            VAULT_TOKEN count as one setting: the first layer naming any of them wins.
  -help                     this text

Server:
  -address=URL              mintca address (env VAULT_ADDR), e.g. https://mintca:8200
  -ca-cert=FILE             PEM CA bundle to trust for an HTTPS address (env VAULT_CACERT)

Authentication (-auth, default token):
  -token=TOKEN              a token (env VAULT_TOKEN)
  -token-file=FILE          read the token from FILE (re-read on every login)
  -auth=kubernetes          log in with the projected service-account token:
      -auth-role=ROLE           login role (required)
      -auth-mount=PATH          auth mount (default kubernetes)
      -jwt-file=FILE            default ${defaultJwtFile}
  -auth=approle             -role-id-file=FILE [-secret-id-file=FILE] [-auth-mount=approle]
  -auth=cert                TLS certificate auth over HTTPS: -client-cert=FILE -client-key=FILE
                            (default: the certificate and key in -out-dir), [-auth-role=NAME]
                            [-auth-mount=cert]
  Tokens are renewed (renew-self) at -renew-fraction of their TTL; when that fails or the token
  is not renewable the agent logs in again.

Certificate:
  -mount=PATH               PKI mount (default pki)
  -role=NAME                PKI role (required)
  -common-name=CN           (required)
  -alt-names=a,b            DNS / email SANs
  -ip-sans=ip,ip            IP SANs
  -uri-sans=uri,uri         URI SANs (e.g. SPIFFE IDs)
  -ttl=DURATION             requested TTL (default: the role's)
  -key-mode=server|local    server: <mount>/issue/<role> (the server generates the key).
                            local: the agent generates the key and sends a CSR to <mount>/sign/<role>;
                            the private key never crosses the network. Default server.
  -key-type=rsa|ec|ed25519  local key type (default rsa), -key-bits=N (rsa 2048, ec 256)

Output:
  -out-dir=DIR              (required) writes tls.crt, tls.key, ca.crt
  -cert-file-name=NAME      default tls.crt (certificate; leaf only)
  -cert-with-chain          tls.crt holds the leaf followed by the intermediate CAs (not the root),
                            the Kubernetes TLS-secret / cert-manager layout; servers such as nginx
                            then send the chain clients need
  -key-file-name=NAME       default tls.key (mode 0600)
  -ca-file-name=NAME        default ca.crt (issuing CA and chain)
  -bundle-file-name=NAME    also write one PEM with key, certificate and chain
  -owner=UID[:GID]          chown written files (needs the privilege)
  Files are never written in place: each set goes into a new directory DIR/..<version>, fsynced,
  and DIR/..data (a symlink) is switched to it with one rename; DIR/tls.crt etc. are symlinks
  through ..data. A reader that resolves DIR/..data once, or reads the bundle, always gets a
  matching key and certificate.

Renewal:
  -once                     issue, write, exit 0; exit 1 with a message on any failure
  -renew-fraction=F         renew at F of the certificate's lifetime (default 0.667)
  -renew-jitter=F           +/- F of the lifetime of random jitter (default 0.05)
  -retry-initial=DURATION   first retry delay after a failure (default 1s), doubling up to
  -retry-max=DURATION       (default 5m)
  -pid-file=FILE | -pid=N   after each renewal send -reload-signal (default HUP) to this process
                            (daemon: a missing pid file means the app has not started yet)
  -reload-signal=SIG        e.g. HUP, USR1
  -reload-command=CMD       after each renewal run CMD with /bin/sh -c (MINTCA_CERT_FILE,
                            MINTCA_KEY_FILE, MINTCA_CA_FILE in its environment)
  -ready-file=FILE          written once a certificate is on disk, removed on exit
  -log-level=LEVEL          trace, debug, info, warn, error, silent (env VAULT_LOG_LEVEL); JSON lines
                            (pino) on stderr; tokens and keys are never logged

Probes and metrics (daemon only):
  -listen-address=HOST:PORT serve plain HTTP on HOST:PORT (e.g. 127.0.0.1:8210; port 0 picks one):
                            /healthz  200 while the agent runs (liveness)
                            /readyz   200 while a certificate valid now is on disk, else 503
                            /metrics  Prometheus text: mintca_agent_certificate_expiry_timestamp_seconds,
                                      _certificate_seconds_until_expiry, _next_renewal_timestamp_seconds,
                                      _renewals_total, _renewal_failures_total,
                                      _last_renewal_timestamp_seconds, _ready
`;
