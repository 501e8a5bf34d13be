import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { agentConfigFrom, agentFlags } from '../../src/agent/config.js';
import { parseListenAddress } from '../../src/agent/status-server.js';
import { parseConfigFile } from '../../src/config/config.js';
import { bootstrap } from '../../src/operator/bootstrap.js';
import { repoRoot } from '../helpers/process.js';
import { startServer } from '../helpers/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = Record<string, any>;
interface Doc {
  file: string;
  manifest: Manifest;
}

const deployDir = join(repoRoot, 'deploy/kubernetes');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const mintcaImage = `mintca:${version}`;
/** Images other than mintca's that the examples may use. */
const thirdPartyImages = new Set(['curlimages/curl:8.11.1', 'nginx:1.27-alpine', 'nginxinc/nginx-unprivileged:1.27-alpine']);
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

const files = yamlFiles(deployDir).sort();
const docs: Doc[] = files.flatMap((path) => {
  const file = relative(deployDir, path);
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    return { file, manifest: document.toJS() as Manifest };
  });
});
const ofKind = (kind: string) => docs.filter((doc) => doc.manifest.kind === kind);
const one = (kind: string, name: string): Manifest => {
  const found = docs.filter((doc) => doc.manifest.kind === kind && doc.manifest.metadata?.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0]!.manifest;
};
const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const workloads = docs.filter((doc) => workloadKinds.has(doc.manifest.kind));
const podContainers = (workload: Manifest): Manifest[] => [...(workload.spec.template.spec.initContainers ?? []), ...workload.spec.template.spec.containers];

const apiVersions: Record<string, string> = {
  Namespace: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  StatefulSet: 'apps/v1',
  Deployment: 'apps/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Issuer: 'cert-manager.io/v1',
  Certificate: 'cert-manager.io/v1',
};
const clusterScoped = new Set(['Namespace', 'ClusterRoleBinding', 'ClusterRole']);

describe('deploy/kubernetes manifests', () => {
  it('ok/every file parses as YAML and holds the expected set of objects', () => {
    expect(files.map((file) => relative(deployDir, file))).toEqual([
      '00-namespace.yaml',
      '10-rbac.yaml',
      '20-configmap.yaml',
      '30-statefulset.yaml',
      '40-service.yaml',
      'examples/api-agent-sidecar.yaml',
      'examples/cert-manager-issuer.yaml',
      'examples/web-init-container.yaml',
    ]);
    expect(docs.map((doc) => `${doc.manifest.kind}/${doc.manifest.metadata.name}`).sort()).toEqual(
      [
        'Namespace/mintca',
        'ServiceAccount/mintca',
        'ClusterRoleBinding/mintca-tokenreview',
        'ConfigMap/mintca-config',
        'StatefulSet/mintca',
        'Service/mintca',
        'ServiceAccount/api',
        'Deployment/api',
        'Role/mintca-issuer-token',
        'RoleBinding/mintca-issuer-token',
        'Issuer/mintca-web',
        'Certificate/web-tls',
        'ServiceAccount/web',
        'Deployment/web',
      ].sort(),
    );
  });

  it('ok/every object has a known apiVersion, kind, a DNS-1123 name and a namespace unless cluster-scoped', () => {
    for (const { file, manifest } of docs) {
      const where = `${file}: ${manifest.kind}/${manifest.metadata?.name}`;
      expect(apiVersions[manifest.kind], where).toBeDefined();
      expect(manifest.apiVersion, where).toBe(apiVersions[manifest.kind]);
      expect(manifest.metadata?.name, where).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (clusterScoped.has(manifest.kind)) expect(manifest.metadata.namespace, where).toBeUndefined();
      else expect(manifest.metadata.namespace, where).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('ok/workload selectors match their pod template labels, and Services select a workload\'s pods', () => {
    for (const { file, manifest } of workloads) {
      const selector = manifest.spec.selector.matchLabels as Record<string, string>;
      expect(Object.keys(selector).length, file).toBeGreaterThan(0);
      expect(manifest.spec.template.metadata.labels, file).toMatchObject(selector);
    }
    for (const { file, manifest } of ofKind('Service')) {
      const matching = workloads.filter(
        ({ manifest: workload }) =>
          workload.metadata.namespace === manifest.metadata.namespace &&
          Object.entries(manifest.spec.selector as Record<string, string>).every(([key, value]) => workload.spec.template.metadata.labels[key] === value),
      );
      expect(matching, file).toHaveLength(1);
    }
    expect(one('StatefulSet', 'mintca').spec.serviceName).toBe('mintca');
  });

  it('ok/container images are mintca:<package.json version> or a pinned, known third-party image; names are unique', () => {
    for (const { file, manifest } of workloads) {
      const containers = podContainers(manifest);
      expect(new Set(containers.map((container) => container.name)).size, file).toBe(containers.length);
      for (const container of containers) {
        const runsMintca = ['server', 'agent', 'operator'].includes(container.args?.[0]);
        if (runsMintca || String(container.image).startsWith('mintca')) expect(container.image, `${file} ${container.name}`).toBe(mintcaImage);
        else expect(thirdPartyImages.has(container.image), `${file} ${container.name}: ${container.image}`).toBe(true);
      }
    }
  });

  it('ok/the ConfigMap config passes the server\'s own parser and listens on the port of the container and Service', () => {
    const text = one('ConfigMap', 'mintca-config').data['config.json'] as string;
    const config = parseConfigFile(text, 'config.json');
    expect(config.listener.address).toBe('0.0.0.0:8200');
    expect(config.storagePath.startsWith('/var/lib/mintca/')).toBe(true);
    expect(dockerfile).toContain('EXPOSE 8200');

    const container = one('StatefulSet', 'mintca').spec.template.spec.containers[0];
    const port = container.ports.find((candidate: Manifest) => candidate.name === 'http');
    expect(port.containerPort).toBe(8200);
    const service = one('Service', 'mintca');
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: 8200, targetPort: 'http' })]);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.port).toBe('http');
      expect(probe.httpGet.path).toMatch(/^\/v1\/sys\/health/);
    }
    // No kek_file: the key comes from MINTCA_KEK, a Secret reference.
    expect(config.kekFile).toBeNull();
    expect(container.env).toContainEqual({ name: 'MINTCA_KEK', valueFrom: { secretKeyRef: { name: 'mintca-kek', key: 'kek' } } });
  });

  it('ok/the config is mounted where the Dockerfile CMD reads it, the data volume where the Dockerfile declares it', () => {
    const cmd = dockerfile.match(/^CMD (\[.*\])$/m);
    expect(cmd).not.toBeNull();
    const cmdArgs = JSON.parse(cmd![1]!) as string[];
    const configFlag = cmdArgs.find((arg) => arg.startsWith('-config='))!;
    expect(configFlag).toBe('-config=/etc/mintca/config.json');
    expect(dockerfile).toMatch(/^VOLUME \/var\/lib\/mintca$/m);
    expect(dockerfile).toMatch(/^USER node$/m);

    const statefulSet = one('StatefulSet', 'mintca');
    const pod = statefulSet.spec.template.spec;
    const container = pod.containers[0];
    expect(container.args).toEqual(cmdArgs);
    const mounts = container.volumeMounts as Manifest[];
    const configMount = mounts.find((mount) => mount.name === 'config')!;
    const configVolume = (pod.volumes as Manifest[]).find((volume) => volume.name === 'config')!;
    expect(configVolume.configMap.name).toBe('mintca-config');
    const mountedFile = configMount.subPath ? configMount.mountPath : `${configMount.mountPath}/config.json`;
    expect(mountedFile).toBe('/etc/mintca/config.json');
    expect(Object.keys(one('ConfigMap', 'mintca-config').data)).toContain('config.json');

    const dataMount = mounts.find((mount) => mount.name === 'data')!;
    expect(dataMount.mountPath).toBe('/var/lib/mintca');
    expect(statefulSet.spec.volumeClaimTemplates.map((claim: Manifest) => claim.metadata.name)).toContain('data');
    // Runs as the image's non-root "node" user (uid 1000) and the volume is writable by it.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(pod.serviceAccountName).toBe('mintca');
  });

  it('ok/mintca\'s service account is bound to system:auth-delegator for TokenReview', () => {
    const binding = one('ClusterRoleBinding', 'mintca-tokenreview');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'mintca', namespace: 'mintca' }]);
    expect(one('ServiceAccount', 'mintca').metadata.namespace).toBe('mintca');
    expect(one('Namespace', 'mintca')).toBeDefined();
  });

  it('ok/every server address in the examples is the mintca Service on port 8200; workload service accounts exist', () => {
    const service = one('Service', 'mintca');
    const expected = `http://${service.metadata.name}.${service.metadata.namespace}.svc:${service.spec.ports[0].port}`;
    const addresses: string[] = [];
    for (const { manifest } of workloads.filter(({ file }) => file.startsWith('examples/'))) {
      const pod = manifest.spec.template.spec;
      expect(one('ServiceAccount', pod.serviceAccountName).metadata.namespace).toBe(manifest.metadata.namespace);
      for (const container of podContainers(manifest)) {
        for (const env of container.env ?? []) if (env.name === 'VAULT_ADDR') addresses.push(env.value);
        for (const arg of container.args ?? []) if (String(arg).startsWith('-address=')) addresses.push(String(arg).slice('-address='.length));
      }
    }
    addresses.push(one('Issuer', 'mintca-web').spec.vault.server);
    expect(addresses.length).toBe(3);
    for (const address of addresses) expect(address).toBe(expected);
  });

  it('ok/the agent sidecar passes the agent flags and shares /etc/tls with the app', () => {
    const pod = one('Deployment', 'api').spec.template.spec;
    const agent = (pod.initContainers as Manifest[]).find((container) => container.args?.[0] === 'agent')!;
    expect(agent.restartPolicy).toBe('Always');
    const flags = new Map((agent.args as string[]).slice(1).map((arg) => [arg.slice(1, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]));
    expect(Object.fromEntries(flags)).toMatchObject({ auth: 'kubernetes', 'auth-role': 'services', mount: 'pki_int', role: 'services', 'out-dir': '/etc/tls' });
    expect(flags.get('common-name')).toBe('$(SA_NAME).$(POD_NAMESPACE).svc.cluster.local');
    expect(flags.get('uri-sans')).toBe('spiffe://cluster.local/ns/$(POD_NAMESPACE)/sa/$(SA_NAME)');
    // Only flags mintca agent accepts (and its -help documents).
    for (const name of flags.keys()) expect([...agentFlags], name).toContain(name);
    expect(agentConfigFrom(new Map([...flags].map(([k, v]) => [k, v.replaceAll('$(SA_NAME)', 'api').replaceAll('$(POD_NAMESPACE)', 'default')])), {}).listenAddress).toBe(flags.get('listen-address'));
    // Probes use the agent's listener: on all interfaces (kubelet probes the pod IP), by port name.
    const listen = parseListenAddress(flags.get('listen-address')!);
    expect(listen.host).toBe('0.0.0.0');
    const port = (agent.ports as Manifest[]).find((p) => p.containerPort === listen.port)!;
    expect(port, 'containerPort of -listen-address').toBeDefined();
    expect(agent.startupProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    expect(agent.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    expect(agent.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    const annotations = one('Deployment', 'api').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/port': String(listen.port), 'prometheus.io/path': '/metrics' });
    // The pid file is on a volume the app writes and the agent reads; both run as the same user.
    const pidDir = flags.get('pid-file')!.replace(/\/[^/]+$/, '');
    const pidVolume = agent.volumeMounts.find((mount: Manifest) => mount.mountPath === pidDir).name;
    expect(pod.containers[0].volumeMounts.map((mount: Manifest) => mount.name)).toContain(pidVolume);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(flags.has('pid-file') || flags.has('reload-command')).toBe(true);
    const envNames = (agent.env as Manifest[]).map((env) => env.name);
    expect(envNames).toEqual(expect.arrayContaining(['SA_NAME', 'POD_NAMESPACE']));
    const app = pod.containers[0];
    expect(agent.volumeMounts.find((mount: Manifest) => mount.mountPath === '/etc/tls').name).toBe(app.volumeMounts.find((mount: Manifest) => mount.mountPath === '/etc/tls').name);
    expect(pod.shareProcessNamespace).toBe(true);
  });

  it('ok/the cert-manager Issuer signs through an existing role path with the Kubernetes auth role of bootstrap', () => {
    const issuer = one('Issuer', 'mintca-web');
    const path = issuer.spec.vault.path as string;
    // <mount>/sign/<role> or <mount>/issuer/<ref>/sign/<role>, the role paths mintca routes.
    const match = path.match(/^([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*?)\/(?:issuer\/[^/]+\/)?sign\/([A-Za-z0-9_.-]+)$/);
    expect(match, path).not.toBeNull();
    expect(match![1]).toBe('pki_int');
    expect(match![2]).toBe('services');
    const kubernetes = issuer.spec.vault.auth.kubernetes;
    expect(kubernetes.role).toBe('services');
    expect(kubernetes.mountPath).toBe('/v1/auth/kubernetes');
    expect(Boolean(kubernetes.serviceAccountRef?.name) !== Boolean(kubernetes.secretRef?.name)).toBe(true);
    const serviceAccount = kubernetes.serviceAccountRef.name as string;
    expect(one('ServiceAccount', serviceAccount).metadata.namespace).toBe(issuer.metadata.namespace);
    // cert-manager may create tokens for exactly that service account.
    const role = one('Role', 'mintca-issuer-token');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [serviceAccount], verbs: ['create'] }]);
    expect(one('RoleBinding', 'mintca-issuer-token').roleRef.name).toBe('mintca-issuer-token');
    // The Certificate asks only for the names the services role grants that service account.
    const certificate = one('Certificate', 'web-tls');
    const ns = issuer.metadata.namespace;
    expect(certificate.spec.issuerRef).toEqual({ kind: 'Issuer', name: 'mintca-web' });
    expect(certificate.spec.dnsNames).toEqual([`${serviceAccount}.${ns}.svc.cluster.local`, `${serviceAccount}.${ns}.svc`, `${serviceAccount}.${ns}`]);
    expect(certificate.spec.uris).toEqual([`spiffe://cluster.local/ns/${ns}/sa/${serviceAccount}`]);
    expect(certificate.spec.privateKey).toMatchObject({ algorithm: 'ECDSA', size: 256 });
  });
});

describe('the init-container script of examples/web-init-container.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-deploy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ok/runs against a bootstrapped server and writes a certificate that verifies up to the root', async () => {
    const server = await startServer();
    try {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await bootstrap({ address: server.url, token: server.rootToken, pemKeys: [pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
      const now = Math.floor(server.clock.nowMs() / 1000);
      const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'web', uid: 'uid-web' } } })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('system:serviceaccount:default:web')
        .setAudience('https://kubernetes.default.svc.cluster.local')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(pair.privateKey);
      writeFileSync(join(dir, 'token'), jwt);

      const init = one('Deployment', 'web').spec.template.spec.initContainers[0];
      expect(init.command).toEqual(['/bin/sh', '-ec']);
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      for (const entry of init.env as Manifest[]) if (typeof entry.value === 'string') env[entry.name] = entry.value;
      Object.assign(env, { VAULT_ADDR: server.url, SA_NAME: 'web', POD_NAMESPACE: 'default', SA_TOKEN_FILE: join(dir, 'token'), OUT_DIR: dir });
      // Asynchronously: the server answering curl runs in this process.
      const { stdout: out } = await promisify(execFile)('/bin/sh', ['-ec', init.args[0]], { env, encoding: 'utf8', timeout: 20_000 });
      expect(out).toContain('certificate for web.default.svc.cluster.local written');

      writeFileSync(join(dir, 'root.pem'), (await (await fetch(`${server.url}/v1/pki/ca/pem`)).text()));
      const at = String(now + 60);
      expect(
        execFileSync('openssl', ['verify', '-attime', at, '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'ca.crt'), join(dir, 'tls.crt')], { encoding: 'utf8' }),
      ).toMatch(/: OK/);
      const sans = execFileSync('openssl', ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
      expect(sans).toContain('DNS:web.default.svc.cluster.local');
      expect(sans).toContain('DNS:web.default.svc');
      expect(sans).toContain('URI:spiffe://cluster.local/ns/default/sa/web');
      expect(readFileSync(join(dir, 'tls.key'), 'utf8')).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----\n/);
    } finally {
      await server.close();
    }
  });
});
