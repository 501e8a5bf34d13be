/**
 * `mintca operator bootstrap`: sets up, over the Vault HTTP API, what the guides do by hand — a root
 * PKI mount, an intermediate mount signed by it, config/urls on both, a `services` role whose names are
 * bound to the caller's Kubernetes service account, a Kubernetes auth mount, role and policy.
 *
 * Every step reads first and creates only what is missing: a second run changes nothing and reports
 * each piece as already present. Existing pieces are never modified, even when they differ from what
 * bootstrap would have created.
 */

export interface BootstrapOptions {
  /** Server address, e.g. `https://mintca.mintca.svc:8200`. */
  address: string;
  token: string;
  rootMount?: string;
  intMount?: string;
  /** Kubernetes service domain, e.g. `svc.cluster.local`. */
  domain?: string;
  kubernetesMount?: string;
  /** The Kubernetes API server, for TokenReview (used only when no pem_keys are given). */
  kubernetesHost?: string;
  /** PEM public keys of the service-account token issuer: logins are then verified locally. */
  pemKeys?: string[];
  /** Base URL clients reach the server at, for AIA, CRL and OCSP URLs (default: address). */
  publicUrl?: string;
  fetch?: typeof fetch;
}

export type StepStatus = 'created' | 'present';

export interface StepResult {
  step: string;
  status: StepStatus;
}

export interface BootstrapResult {
  steps: StepResult[];
  /** Accessor of the Kubernetes auth mount the role templates refer to. */
  kubernetesAccessor: string;
}

export const bootstrapDefaults = {
  rootMount: 'pki',
  intMount: 'pki_int',
  domain: 'svc.cluster.local',
  kubernetesMount: 'kubernetes',
  kubernetesHost: 'https://kubernetes.default.svc',
  roleName: 'services',
  policyName: 'issue-services',
} as const;

export class BootstrapError extends Error {}

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

class VaultClient {
  constructor(
    private readonly address: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<Reply> {
    const url = `${this.address.replace(/\/+$/, '')}/v1/${path}`;
    const headers: Record<string, string> = { 'X-Vault-Token': this.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new BootstrapError(`${method} ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, json, text };
  }

  /** A request that must succeed (2xx). */
  async must(method: string, path: string, body?: unknown): Promise<Reply> {
    const reply = await this.request(method, path, body);
    if (reply.status < 200 || reply.status >= 300) {
      const errors = Array.isArray(reply.json?.errors) ? reply.json.errors.join('; ') : reply.text;
      throw new BootstrapError(`${method} /v1/${path} answered ${reply.status}: ${errors}`);
    }
    return reply;
  }

  /** GET that may legitimately be missing: null on 404. */
  async read(path: string): Promise<Reply | null> {
    const reply = await this.request('GET', path);
    if (reply.status === 404) return null;
    if (reply.status < 200 || reply.status >= 300) {
      const errors = Array.isArray(reply.json?.errors) ? reply.json.errors.join('; ') : reply.text;
      throw new BootstrapError(`GET /v1/${path} answered ${reply.status}: ${errors}`);
    }
    return reply;
  }
}

const mountName = (value: string, flag: string): string => {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(trimmed)) throw new BootstrapError(`invalid ${flag} "${value}"`);
  return trimmed;
};

/** `svc.cluster.local` → `cluster.local`, the SPIFFE trust domain of the cluster. */
export function trustDomainOf(domain: string): string {
  return domain.startsWith('svc.') ? domain.slice(4) : domain;
}

/** The PKI role bound to the caller's Kubernetes identity through identity templates. */
export function servicesRoleBody(accessor: string, domain: string): Record<string, unknown> {
  const meta = `{{identity.entity.aliases.${accessor}.metadata`;
  const sa = `${meta}.service_account_name}}`;
  const ns = `${meta}.service_account_namespace}}`;
  const names = [`${sa}.${ns}.${domain}`];
  // The short forms a pod is reached by inside the cluster: <sa>.<ns>.svc and <sa>.<ns>.
  if (domain.startsWith('svc.')) names.push(`${sa}.${ns}.svc`, `${sa}.${ns}`);
  return {
    allowed_domains: names,
    allowed_domains_template: true,
    allow_bare_domains: true,
    allow_subdomains: false,
    allow_glob_domains: false,
    allow_wildcard_certificates: false,
    allow_localhost: false,
    allow_ip_sans: false,
    allowed_uri_sans: [`spiffe://${trustDomainOf(domain)}/ns/${ns}/sa/${sa}`],
    allowed_uri_sans_template: true,
    enforce_hostnames: true,
    server_flag: true,
    client_flag: true,
    require_cn: false,
    key_type: 'ec',
    key_bits: 256,
    ttl: '24h',
    max_ttl: '72h',
  };
}

export function servicesPolicy(intMount: string, roleName: string = bootstrapDefaults.roleName): string {
  return [
    `# Written by mintca operator bootstrap: issue and sign with the ${roleName} role only.`,
    `path "${intMount}/issue/${roleName}" {`,
    '  capabilities = ["update"]',
    '}',
    '',
    `path "${intMount}/sign/${roleName}" {`,
    '  capabilities = ["update"]',
    '}',
    '',
  ].join('\n');
}

function urlsBody(publicUrl: string, mount: string): Record<string, unknown> {
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/${mount}`;
  return { issuing_certificates: [`${base}/ca`], crl_distribution_points: [`${base}/crl`], ocsp_servers: [`${base}/ocsp`] };
}

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  if (!options.address) throw new BootstrapError('an address is required (-address or VAULT_ADDR)');
  if (!options.token) throw new BootstrapError('a token is required (-token or VAULT_TOKEN)');
  const rootMount = mountName(options.rootMount ?? bootstrapDefaults.rootMount, '-root-mount');
  const intMount = mountName(options.intMount ?? bootstrapDefaults.intMount, '-int-mount');
  const k8sMount = mountName(options.kubernetesMount ?? bootstrapDefaults.kubernetesMount, '-kubernetes-mount');
  if (rootMount === intMount) throw new BootstrapError('-root-mount and -int-mount must differ');
  const domain = (options.domain ?? bootstrapDefaults.domain).replace(/^\.+|\.+$/g, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) throw new BootstrapError(`invalid -domain "${domain}"`);
  const publicUrl = options.publicUrl ?? options.address;
  const { roleName, policyName } = bootstrapDefaults;
  const client = new VaultClient(options.address, options.token, options.fetch ?? fetch);
  const steps: StepResult[] = [];
  const record = (step: string, status: StepStatus) => steps.push({ step, status });

  // Fail early and clearly on a bad token.
  await client.must('GET', 'auth/token/lookup-self');

  // 1. PKI mounts.
  const mounts = (await client.must('GET', 'sys/mounts')).json.data as Record<string, { type?: string }>;
  for (const [mount, maxTtl, label] of [
    [rootMount, '87600h', 'root'],
    [intMount, '43800h', 'intermediate'],
  ] as const) {
    const existing = mounts[`${mount}/`];
    if (existing) {
      if (existing.type !== 'pki') throw new BootstrapError(`${mount}/ is mounted with type "${existing.type}", not pki`);
      record(`${label} mount ${mount}/`, 'present');
    } else {
      await client.must('POST', `sys/mounts/${mount}`, { type: 'pki', description: `mintca ${label} CA`, config: { max_lease_ttl: maxTtl } });
      record(`${label} mount ${mount}/`, 'created');
    }
  }

  // 2. Root CA.
  const hasIssuer = async (mount: string) => {
    const list = await client.request('LIST', `${mount}/issuers`);
    if (list.status === 404) return false;
    if (list.status !== 200) throw new BootstrapError(`LIST /v1/${mount}/issuers answered ${list.status}: ${list.text}`);
    return Array.isArray(list.json?.data?.keys) && list.json.data.keys.length > 0;
  };
  if (await hasIssuer(rootMount)) {
    record(`root CA in ${rootMount}/`, 'present');
  } else {
    await client.must('POST', `${rootMount}/root/generate/internal`, {
      common_name: 'mintca root CA',
      issuer_name: 'root',
      key_name: 'root',
      key_type: 'ec',
      key_bits: 384,
      ttl: '87600h',
    });
    record(`root CA in ${rootMount}/`, 'created');
  }

  // 3. Intermediate CA, signed by the root.
  if (await hasIssuer(intMount)) {
    record(`intermediate CA in ${intMount}/ (signed by ${rootMount}/)`, 'present');
  } else {
    const csr = (
      await client.must('POST', `${intMount}/intermediate/generate/internal`, {
        common_name: 'mintca intermediate CA',
        key_name: 'intermediate',
        key_type: 'ec',
        key_bits: 256,
      })
    ).json.data.csr as string;
    const signed = (
      await client.must('POST', `${rootMount}/root/sign-intermediate`, {
        csr,
        common_name: 'mintca intermediate CA',
        format: 'pem',
        ttl: '43800h',
      })
    ).json.data as { certificate: string; issuing_ca: string };
    await client.must('POST', `${intMount}/intermediate/set-signed`, { certificate: `${signed.certificate.trim()}\n${signed.issuing_ca.trim()}\n` });
    record(`intermediate CA in ${intMount}/ (signed by ${rootMount}/)`, 'created');
  }

  // 4. AIA / CRL / OCSP URLs.
  for (const mount of [rootMount, intMount]) {
    const urls = (await client.read(`${mount}/config/urls`))?.json?.data ?? {};
    const set = ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'].some((key) => Array.isArray(urls[key]) && urls[key].length > 0);
    if (set) {
      record(`config/urls of ${mount}/`, 'present');
    } else {
      await client.must('POST', `${mount}/config/urls`, urlsBody(publicUrl, mount));
      record(`config/urls of ${mount}/`, 'created');
    }
  }

  // 5. Kubernetes auth mount and its config.
  const auths = (await client.must('GET', 'sys/auth')).json.data as Record<string, { type?: string; accessor?: string }>;
  let auth = auths[`${k8sMount}/`];
  if (auth) {
    if (auth.type !== 'kubernetes') throw new BootstrapError(`auth/${k8sMount}/ is enabled with type "${auth.type}", not kubernetes`);
    record(`kubernetes auth auth/${k8sMount}/`, 'present');
  } else {
    await client.must('POST', `sys/auth/${k8sMount}`, { type: 'kubernetes', description: 'Kubernetes service accounts' });
    auth = ((await client.must('GET', 'sys/auth')).json.data as typeof auths)[`${k8sMount}/`];
    record(`kubernetes auth auth/${k8sMount}/`, 'created');
  }
  const accessor = auth?.accessor;
  if (!accessor) throw new BootstrapError(`auth/${k8sMount}/ has no accessor`);

  const k8sConfig = await client.read(`auth/${k8sMount}/config`);
  const configured = k8sConfig !== null && typeof k8sConfig.json?.data?.kubernetes_host === 'string' && k8sConfig.json.data.kubernetes_host !== '';
  const configuredWithKeys = k8sConfig !== null && Array.isArray(k8sConfig.json?.data?.pem_keys) && k8sConfig.json.data.pem_keys.length > 0;
  if (configured || configuredWithKeys) {
    record(`auth/${k8sMount}/config`, 'present');
  } else {
    const body: Record<string, unknown> = { kubernetes_host: options.kubernetesHost ?? bootstrapDefaults.kubernetesHost };
    if (options.pemKeys && options.pemKeys.length > 0) body.pem_keys = options.pemKeys;
    await client.must('POST', `auth/${k8sMount}/config`, body);
    record(`auth/${k8sMount}/config`, 'created');
  }

  // 6. Policy, PKI role, Kubernetes role.
  if (await client.read(`sys/policies/acl/${policyName}`)) {
    record(`policy ${policyName}`, 'present');
  } else {
    await client.must('PUT', `sys/policies/acl/${policyName}`, { policy: servicesPolicy(intMount, roleName) });
    record(`policy ${policyName}`, 'created');
  }

  if (await client.read(`${intMount}/roles/${roleName}`)) {
    record(`role ${intMount}/roles/${roleName}`, 'present');
  } else {
    await client.must('POST', `${intMount}/roles/${roleName}`, servicesRoleBody(accessor, domain));
    record(`role ${intMount}/roles/${roleName}`, 'created');
  }

  if (await client.read(`auth/${k8sMount}/role/${roleName}`)) {
    record(`auth/${k8sMount}/role/${roleName}`, 'present');
  } else {
    await client.must('POST', `auth/${k8sMount}/role/${roleName}`, {
      bound_service_account_names: ['*'],
      bound_service_account_namespaces: ['*'],
      token_policies: [policyName],
      token_ttl: '1h',
      token_max_ttl: '24h',
    });
    record(`auth/${k8sMount}/role/${roleName}`, 'created');
  }

  return { steps, kubernetesAccessor: accessor };
}

/** Splits a PEM file into its blocks (several public keys may be given in one file). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((match) => `${match[0]}\n`);
}
