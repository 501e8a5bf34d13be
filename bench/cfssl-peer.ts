import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, removeDir, stop, tempDir, track } from './cleanup.js';

export interface CfsslPeer {
  url: string;
  /** The root and intermediate, PEM: what a client would trust and be sent. */
  rootPem: string;
  intermediatePem: string;
  stop(): Promise<void>;
}

const cfssl = process.env.BENCH_CFSSL ?? 'cfssl';
const available = () => spawnSync(cfssl, ['version'], { stdio: 'ignore' }).status === 0;

/** True when cfssl runs, installing Debian's golang-cfssl first when it is missing. */
export function ensureCfssl(log: (line: string) => void): boolean {
  if (available()) return true;
  log(`${cfssl} not found: installing it with apt-get install -y golang-cfssl`);
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (...args: string[]) => {
    const [command, ...rest] = [...asRoot, 'apt-get', ...args];
    return spawnSync(command!, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  if (!apt('install', '-y', '-qq', 'golang-cfssl')) apt('update', '-qq') && apt('install', '-y', '-qq', 'golang-cfssl');
  if (available()) return true;
  log('could not install cfssl: the peer columns show n/a');
  return false;
}

/** Runs cfssl with `args` (and `input` on stdin) and returns its JSON answer. */
function cfsslJson(args: string[], input?: string): Record<string, string> {
  const r = spawnSync(cfssl, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cfssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/**
 * The peer's PKI as the issue describes it: an EC P-256 root (`gencert -initca`), an EC P-256
 * intermediate signed by it with a CA profile, and a default server+client profile of 1h that
 * `cfssl serve` issues leaves under. Call `ensureCfssl` first.
 */
export function setUpCfsslCa(dir: string): { config: string; intermediateCert: string; intermediateKey: string; rootPem: string; intermediatePem: string } {
  const config = join(dir, 'config.json');
  const signing = {
    default: { expiry: '1h', usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'] },
    profiles: { intermediate: { expiry: '43800h', usages: ['cert sign', 'crl sign'], ca_constraint: { is_ca: true, max_path_len: 0, max_path_len_zero: true } } },
  };
  writeFileSync(config, JSON.stringify({ signing }));
  const ec = { algo: 'ecdsa', size: 256 };
  const root = cfsslJson(['gencert', '-initca', '-'], JSON.stringify({ CN: 'bench cfssl root', key: ec }));
  writeFileSync(join(dir, 'root.pem'), root.cert!);
  writeFileSync(join(dir, 'root-key.pem'), root.key!, { mode: 0o600 });
  const csr = cfsslJson(['gencert', '-initca', '-'], JSON.stringify({ CN: 'bench cfssl intermediate', key: ec }));
  writeFileSync(join(dir, 'int.csr'), csr.csr!);
  const signed = cfsslJson(['sign', '-ca', join(dir, 'root.pem'), '-ca-key', join(dir, 'root-key.pem'), '-config', config, '-profile', 'intermediate', join(dir, 'int.csr')]);
  const intermediateCert = join(dir, 'int.pem');
  const intermediateKey = join(dir, 'int-key.pem');
  writeFileSync(intermediateCert, signed.cert!);
  writeFileSync(intermediateKey, csr.key!, { mode: 0o600 });
  return { config, intermediateCert, intermediateKey, rootPem: root.cert!, intermediatePem: signed.cert! };
}

/** `cfssl serve` on a free loopback port over a fresh CA; null when cfssl is not available. */
export async function startCfssl(log: (line: string) => void): Promise<CfsslPeer | null> {
  if (!ensureCfssl(log)) return null;
  const dir = tempDir('cfssl');
  const ca = setUpCfsslCa(dir);
  const port = await freePort();
  // Log level 2 (warnings): at the default every signature is logged, which mintca does not do.
  const args = ['serve', '-address', '127.0.0.1', '-port', String(port), '-ca', ca.intermediateCert, '-ca-key', ca.intermediateKey, '-config', ca.config, '-loglevel', '2'];
  const child = track(spawn(cfssl, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    // cfssl 1.2 has no health endpoint: any HTTP answer means it listens.
    const up = await fetch(`${url}/api/v1/cfssl/scaninfo`).then(() => true, () => false);
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      removeDir(dir);
      throw new Error(`cfssl serve did not come up: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stopPeer = async () => {
    await stop(child);
    removeDir(dir);
  };
  return { url, rootPem: ca.rootPem, intermediatePem: ca.intermediatePem, stop: stopPeer };
}

/** cfssl answers 200 with `"success": false` on some failures: only a success with a certificate counts. */
export function cfsslSucceeded(body: Buffer): boolean {
  try {
    const answer = JSON.parse(body.toString('utf8')) as { success?: boolean; result?: { certificate?: string } };
    return answer.success === true && typeof answer.result?.certificate === 'string';
  } catch {
    return false;
  }
}
