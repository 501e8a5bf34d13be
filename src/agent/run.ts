/**
 * The agent loop: log in, issue, write atomically, reload; then (unless -once) sleep until the
 * certificate or the token is due, retrying failures with capped exponential backoff.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { loginFor, TokenManager } from './auth.js';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';
import { checkedSet, type IssuedSet, issueCertificate } from './issue.js';
import { reload, ReloadTargetMissing } from './reload.js';
import { backoffMs, renewAtMs } from './schedule.js';
import { AgentStatus } from './status.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import { createVaultClient, type VaultClient } from './vault-client.js';
import { readCurrentSet, writeSet } from './writer.js';

export interface AgentDeps {
  logger: Logger;
  clock: Clock;
  random: () => number;
  /** Resolves after ms, or early when the signal aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborted to stop the daemon (SIGTERM/SIGINT). */
  stop: AbortSignal;
  /** Told of every certificate, renewal and failure (probes and metrics); one is made when absent. */
  status?: AgentStatus;
}

export const realSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

function readOptional(file: string | null, what: string): string | null {
  if (file === null) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function clientFactory(config: AgentConfig): () => VaultClient {
  const caPem = readOptional(config.caCertFile, 'CA certificate');
  const plain = createVaultClient({ address: config.address, caPem });
  const auth = config.auth;
  if (auth.method !== 'cert') return () => plain;
  if (!config.address.startsWith('https:')) throw new AgentError('-auth=cert needs an https:// address');
  // Cert auth presents whatever certificate is current: after a renewal, the new one.
  return () =>
    createVaultClient({ address: config.address, caPem, clientCertPem: readOptional(auth.clientCert, 'client certificate'), clientKeyPem: readOptional(auth.clientKey, 'client key') });
}

/** A valid set already on disk that is not yet due, so a restart does not issue again. */
function existingSet(config: AgentConfig, nowMs: number): IssuedSet | null {
  const current = readCurrentSet(config.outDir, config);
  if (!current) return null;
  try {
    const set = checkedSet(current.certPem, current.keyPem, [current.caPem]);
    const cert = new X509Certificate(current.certPem);
    if (cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) !== config.commonName) return null;
    return set.notAfterMs > nowMs ? set : null;
  } catch {
    return null;
  }
}

export async function runAgent(config: AgentConfig, deps: AgentDeps): Promise<number> {
  const { logger, clock } = deps;
  const makeClient = clientFactory(config);
  const tokens = new TokenManager(loginFor(config, makeClient, clock), makeClient, clock, config.renewFraction, (msg, fields) => logger.info(fields ?? {}, msg));
  const status = deps.status ?? new AgentStatus(clock);
  const files = { cert: join(config.outDir, config.certName), key: join(config.outDir, config.keyName), ca: join(config.outDir, config.caName) };

  const markReady = (serial: string) => {
    if (!config.readyFile) return;
    try {
      writeFileSync(config.readyFile, `${new Date(clock.nowMs()).toISOString()} ${serial}\n`);
    } catch (error) {
      throw new AgentError(`cannot write ready file ${config.readyFile}: ${(error as Error).message}`);
    }
  };

  const renewOnce = async (): Promise<IssuedSet> => {
    const startMs = clock.nowMs();
    const token = await tokens.token();
    let set: IssuedSet;
    try {
      set = await issueCertificate(config, makeClient(), token);
    } catch (error) {
      if (error instanceof AgentError && error.status === 403) tokens.invalidate();
      throw error;
    }
    const version = writeSet(config.outDir, config, set, config.owner);
    status.renewed(set);
    logger.info({ serial: set.serial, not_after: new Date(set.notAfterMs).toISOString(), out_dir: config.outDir, version, key_mode: config.keyMode }, 'certificate written');
    try {
      const actions = await reload(config, files);
      if (actions.length) logger.info({ actions }, 'reload sent');
    } catch (error) {
      // -once fails; the daemon keeps the new certificate (issuing again would not help).
      if (config.once) throw error;
      // The application has not started yet: it reads the new files when it does.
      if (error instanceof ReloadTargetMissing) logger.info({ pid_file: config.pidFile }, 'no process to reload yet (pid file missing)');
      else logger.error({ error: (error as Error).message }, 'reload failed; the new certificate is on disk');
    }
    markReady(set.serial);
    return { ...set, notBeforeMs: Math.max(set.notBeforeMs, startMs) };
  };

  if (config.once) {
    await renewOnce();
    return 0;
  }

  let listener: StatusServer | null = null;
  if (config.listenAddress) {
    listener = await startStatusServer(config.listenAddress, status);
    logger.info({ address: listener.address }, 'probes and metrics listening');
  }
  let current = existingSet(config, clock.nowMs());
  let renewAt = 0;
  if (current) {
    status.adopted(current);
    renewAt = renewAtMs({ startMs: current.notBeforeMs, notAfterMs: current.notAfterMs, fraction: config.renewFraction, jitter: config.renewJitter, random: deps.random(), nowMs: clock.nowMs() });
    status.scheduled(renewAt);
    logger.info({ serial: current.serial, renew_at: new Date(renewAt).toISOString() }, 'using the certificate already on disk');
    markReady(current.serial);
  }
  let failures = 0;
  try {
    while (!deps.stop.aborted) {
      const now = clock.nowMs();
      let waitMs: number;
      try {
        if (!current || now >= renewAt) {
          current = await renewOnce();
          renewAt = renewAtMs({ startMs: current.notBeforeMs, notAfterMs: current.notAfterMs, fraction: config.renewFraction, jitter: config.renewJitter, random: deps.random(), nowMs: clock.nowMs() });
          status.scheduled(renewAt);
          logger.info({ renew_at: new Date(renewAt).toISOString() }, 'next renewal scheduled');
        } else if ((tokens.dueAtMs() ?? Infinity) <= now) {
          await tokens.token();
        }
        failures = 0;
        waitMs = Math.min(renewAt, tokens.dueAtMs() ?? Infinity) - clock.nowMs();
      } catch (error) {
        waitMs = backoffMs(failures, config.retryInitialMs, config.retryMaxMs, deps.random());
        failures++;
        status.failed();
        logger.error({ error: (error as Error).message, attempt: failures, retry_in_ms: waitMs }, 'renewal failed; will retry');
      }
      await deps.sleep(Math.max(waitMs, 250), deps.stop);
    }
  } finally {
    if (config.readyFile) rmSync(config.readyFile, { force: true });
    await listener?.close();
  }
  logger.info('agent stopped');
  return 0;
}
