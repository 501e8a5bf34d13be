/**
 * One real listening server for the hostile suites: root token, a root CA mount (`pki`), an
 * intermediate mount (`pki_int`) signed by it, roles, and every auth method mounted. Outbound
 * HTTP of the auth methods is refused (a fuzzed `jwks_url` or `kubernetes_host` never leaves
 * the machine). Also: the raw HTTP client the suites send through (no URL normalisation, so
 * dot segments and encoded slashes reach the server as written) and the store digest that
 * proves a refused request wrote nothing.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect } from 'vitest';
import type { HttpFetch } from '../../src/auth/jwt/index.js';
import type { Operation, RouteDef } from '../../src/http/route.js';
import { buildRouteTables } from '../../src/http/routes/index.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

/** How many generated cases per property; `MINTCA_FUZZ_RUNS` raises it for soak runs. */
export const fuzzRuns = (fallback: number): number => {
  const fromEnv = Number(process.env.MINTCA_FUZZ_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
};

/** Deterministic by default; `MINTCA_FUZZ_SEED` replays a printed failure. */
export const fuzzSeed = (): number => {
  const fromEnv = Number(process.env.MINTCA_FUZZ_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : 20260115;
};

const noNetwork: HttpFetch = async (req) => {
  throw new Error(`outbound request to ${req.url} refused by the hostile test fixture`);
};

export interface RouteOp {
  prefix: string;
  route: RouteDef;
  operation: Operation;
}

export interface Fixture {
  server: TestServer;
  routes: RouteOp[];
  rootPem: string;
  intPem: string;
  leafPem: string;
  leafKey: string;
  csrPem: string;
  leafSerial: string;
  /** Counts every request sent through `send`. */
  sent: { count: number };
  close(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

const agent = new Agent({ keepAlive: false });

/** One request with the path sent byte for byte as given. */
export function send(
  fixture: Fixture,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<RawResponse> {
  fixture.sent.count++;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: fixture.server.port, method, path, headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path.slice(0, 200)} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Vault's error envelope, exactly: `{"errors":[string...]}` as application/json. */
export function envelopeProblem(res: RawResponse): string | null {
  if (res.status >= 500) return `status ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
  if (res.status < 400) return null;
  if (res.headers['content-type'] !== 'application/json') return `error with content-type ${String(res.headers['content-type'])}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch {
    return `error body is not JSON: ${res.body.toString('utf8').slice(0, 200)}`;
  }
  const errors = (parsed as { errors?: unknown }).errors;
  if (parsed === null || typeof parsed !== 'object' || Object.keys(parsed).join() !== 'errors' || !Array.isArray(errors) || !errors.every((e) => typeof e === 'string')) {
    return `not Vault's error envelope: ${res.body.toString('utf8').slice(0, 200)}`;
  }
  return null;
}

/**
 * A digest of everything the server stores. `PRAGMA data_version` on this separate read
 * connection changes exactly when another connection commits, so the full dump runs only then.
 * CRL tables are left out: they are caches rebuilt in the background after revocations.
 */
export class StoreDigest {
  private readonly db: Database.Database;
  private version = -1;
  private digest = '';

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  current(): string {
    const version = this.dataVersion();
    if (version !== this.version) {
      this.version = version;
      this.digest = this.dump();
    }
    return this.digest;
  }

  private dump(): string {
    const hash = createHash('sha256');
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('pki_crls', 'pki_crl_numbers') ORDER BY name").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      hash.update(`\n#${name}\n`);
      for (const row of this.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).raw().iterate()) {
        hash.update(JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? value.toString() : value)));
      }
    }
    return hash.digest('hex');
  }

  close(): void {
    this.db.close();
  }
}

/** Every registered route and operation under a concrete prefix. */
function enumerate(server: TestServer): RouteOp[] {
  const tables = buildRouteTables(server.deps);
  const entries = [
    ...tables.system.map((route) => ({ prefix: '', route })),
    ...[...tables.engines.values()].flatMap((list) => list.map((route) => ({ prefix: 'pki', route }))),
    ...[...tables.authMethods].flatMap(([type, list]) => list.map((route) => ({ prefix: `auth/${type}`, route }))),
  ];
  return entries.flatMap(({ prefix, route }) => (Object.keys(route.operations) as Operation[]).map((operation) => ({ prefix, route, operation })));
}

export async function startFixture(): Promise<Fixture> {
  const server = await startServer({ fetch: noNetwork });
  const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await root(method, path, body);
    expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    return res;
  };
  await must('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await must('POST', 'sys/mounts/pki_int', { type: 'pki', config: { max_lease_ttl: '43800h' } });
  const rootPem = (await must('POST', 'pki/root/generate/internal', { common_name: 'Hostile Root', key_type: 'ec', ttl: '87600h' })).json.data.certificate as string;
  const csr = (await must('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Hostile Intermediate', key_type: 'ec' })).json.data.csr as string;
  const intPem = (await must('POST', 'pki/root/sign-intermediate', { csr, common_name: 'Hostile Intermediate', ttl: '43800h', format: 'pem_bundle' })).json.data.certificate as string;
  await must('POST', 'pki_int/intermediate/set-signed', { certificate: intPem });
  for (const mount of ['pki', 'pki_int']) {
    await must('POST', `${mount}/roles/web`, { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', ttl: '24h', allow_ip_sans: true, allowed_uri_sans: 'spiffe://*', allowed_other_sans: '*' });
    await must('POST', `${mount}/roles/any`, { allow_any_name: true, key_type: 'ec', ttl: '24h', enforce_hostnames: false, allow_ip_sans: true });
  }
  const leaf = (await must('POST', 'pki_int/issue/web', { common_name: 'leaf.example.com' })).json.data;
  for (const type of ['kubernetes', 'jwt', 'cert', 'approle']) await must('POST', `sys/auth/${type}`, { type });
  await must('POST', 'auth/approle/role/app', { token_policies: 'default' });
  await must('POST', 'auth/cert/certs/web', { certificate: rootPem });
  await must('POST', 'auth/kubernetes/role/svc', { bound_service_account_names: '*', bound_service_account_namespaces: '*' });
  await must('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [leafPublicKey(leaf.certificate as string)], jwt_supported_algs: ['ES256'] });
  await must('POST', 'auth/jwt/role/svc', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'x' });
  await must('PUT', 'sys/policies/acl/reader', { policy: 'path "pki/*" { capabilities = ["read"] }' });
  return {
    server,
    routes: enumerate(server),
    rootPem,
    intPem: intPem.split(/(?<=-----END CERTIFICATE-----)\n?/)[0]! + '\n',
    leafPem: leaf.certificate as string,
    leafKey: leaf.private_key as string,
    csrPem: csr,
    leafSerial: leaf.serial_number as string,
    sent: { count: 0 },
    close: () => server.close(),
  };
}

/** A PEM public key for the JWT config; any real key will do. */
const leafPublicKey = (certificatePem: string): string => new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** sys/health answers 200: the server is up and serving. */
export async function expectHealthy(fixture: Fixture): Promise<void> {
  const res = await send(fixture, 'GET', '/v1/sys/health');
  expect(res.status, res.body.toString()).toBe(200);
}

export interface HostileFile {
  fixture: Fixture;
  digest: StoreDigest;
}

/**
 * The one real server and store digest of a test file: started before its tests, closed after
 * them, with the number of hostile requests the file sent logged.
 */
export function hostileServer(): HostileFile {
  const file = {} as HostileFile;
  beforeAll(async () => {
    file.fixture = await startFixture();
    file.digest = new StoreDigest(file.fixture.server.dbPath);
  }, 60_000);
  afterAll(async () => {
    if (file.fixture) console.log(`${file.fixture.sent.count} hostile requests sent by this file`);
    file.digest?.close();
    await file.fixture?.close();
  });
  return file;
}
