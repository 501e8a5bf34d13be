import cluster from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfig, type Config, ConfigError, defaultListener, loadConfigFile, parseWorkers } from '../config/config.js';
import { decodeKek, readKekFile, writeNewKekFile } from '../config/kek.js';
import { cryptoRandom } from '../core/random.js';
import { runClusterPrimary, runClusterWorker, type ServeRole } from './cluster.js';
import { flagBool, type ParsedFlags, parseFlags } from './flags.js';

const serverBooleanFlags = new Set(['dev', 'help', 'h']);
const serverFlags = new Set([...serverBooleanFlags, 'config', 'dev-root-token-id', 'dev-listen-address', 'log-level', 'workers']);

export const serverHelp = `Usage: mintca server [options]

  Starts the mintca server.

  -config=FILE                 JSON server configuration (see README: "Configuration").
  -dev                         Dev mode: in-memory-like state in a temporary SQLite file, initialized,
                               plain HTTP on loopback, root token printed. Nothing survives exit.
  -dev-root-token-id=ID        Root token to use in dev mode (env VAULT_DEV_ROOT_TOKEN_ID).
  -dev-listen-address=ADDR     Address to listen on in dev mode (default 127.0.0.1:8200,
                               env VAULT_DEV_LISTEN_ADDRESS).
  -log-level=LEVEL             trace, debug, info, warn, error (env VAULT_LOG_LEVEL).
  -workers=N                   Serve from N processes sharing the listener and the database
                               (node:cluster; config setting "workers"; default 1).
`;

interface Resolved {
  config: Config;
  kek: Buffer;
  cleanup: () => void;
}

function resolveDev(flags: ParsedFlags, env: NodeJS.ProcessEnv): Resolved {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-dev-'));
  const kekFile = join(dir, 'kek');
  const kek = writeNewKekFile(kekFile, cryptoRandom);
  const config = baseConfig({
    dev: true,
    devRootTokenId: flags.values.get('dev-root-token-id') ?? env.VAULT_DEV_ROOT_TOKEN_ID ?? null,
    storagePath: join(dir, 'mintca.db'),
    listener: defaultListener(flags.values.get('dev-listen-address') ?? env.VAULT_DEV_LISTEN_ADDRESS ?? '127.0.0.1:8200'),
    kekFile,
    logLevel: flags.values.get('log-level') ?? env.VAULT_LOG_LEVEL ?? 'info',
  });
  return { config, kek, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function resolveProduction(flags: ParsedFlags, env: NodeJS.ProcessEnv): Resolved {
  const file = flags.values.get('config') ?? env.MINTCA_CONFIG;
  if (!file) throw new ConfigError('either -dev or -config=FILE is required');
  const config = loadConfigFile(file);
  const level = flags.values.get('log-level') ?? env.VAULT_LOG_LEVEL;
  if (level) config.logLevel = level;
  let kek: Buffer;
  if (env.MINTCA_KEK) kek = decodeKek(Buffer.from(env.MINTCA_KEK), 'MINTCA_KEK');
  else if (config.kekFile) kek = readKekFile(config.kekFile);
  else throw new ConfigError('no key-encryption key: set kek_file in the config or MINTCA_KEK');
  return { config, kek, cleanup: () => undefined };
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid listen address "${address}"`);
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

export async function runServer(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  // A cluster worker gets its resolved configuration from the primary, never from argv.
  if (cluster.isWorker) return runClusterWorker((setup) => serve(setup.config, setup.kek, () => undefined, setup.role));
  const flags = parseFlags(argv, serverBooleanFlags, serverFlags);
  if (flagBool(flags, 'help') || flagBool(flags, 'h')) {
    process.stdout.write(serverHelp);
    return 0;
  }
  const { config, kek, cleanup } = flagBool(flags, 'dev') ? resolveDev(flags, env) : resolveProduction(flags, env);
  const workers = flags.values.get('workers');
  if (workers !== undefined) config.workers = parseWorkers(workers);
  if (config.workers > 1) return runClusterPrimary({ config, kek, cleanup, prepare: () => prepareStore(config, kek), devBanner });
  return serve(config, kek, cleanup, { initialize: config.dev, banner: true, schedulers: true });
}

/** Before forking workers: migrations and, in dev mode, initialization happen once. */
async function prepareStore(config: Config, kek: Buffer): Promise<string | null> {
  // Imported here, not at the top: a -workers primary never loads the HTTP app.
  const { createDeps } = await import('../deps.js');
  const deps = await createDeps(config, { kek });
  try {
    if (config.dev && !(await deps.services.system.initState())) {
      return (await deps.services.system.initialize(config.devRootTokenId)).rootToken;
    }
    return null;
  } finally {
    await deps.store.close();
  }
}

async function serve(config: Config, kek: Buffer, cleanup: () => void, role: ServeRole): Promise<number> {
  const started = performance.now();
  const { host, port } = splitAddress(config.listener.address);
  const [{ buildApp }, { createDeps }] = await Promise.all([import('../app.js'), import('../deps.js')]);
  let deps;
  try {
    deps = await createDeps(config, { kek });
  } catch (error) {
    cleanup();
    throw error;
  }
  const app = buildApp(deps);
  let rootToken: string | null = null;
  if (role.initialize && !(await deps.services.system.initState())) {
    rootToken = (await deps.services.system.initialize(config.devRootTokenId)).rootToken;
  }
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const scheme = config.listener.tlsDisable ? 'http' : 'https';
  const apiAddr = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  deps.logger.info({ address: apiAddr, storage: config.storagePath, startup_ms: Math.round(performance.now() - started) }, 'mintca server started');
  if (rootToken !== null && role.banner) process.stdout.write(devBanner(apiAddr, rootToken));
  const pkiMounts = async () => (await deps.services.mounts.list('secret')).filter((mount) => mount.type === 'pki');
  // With several workers, one runs the schedulers: the others would only repeat its work.
  const stopCrlScheduler = role.schedulers ? deps.services.pki.crls.startScheduler(pkiMounts) : () => undefined;
  const stopTidyScheduler = role.schedulers ? deps.services.pki.tidy.startScheduler(pkiMounts) : () => undefined;

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      deps.logger.info({ signal }, 'shutting down');
      stopCrlScheduler();
      stopTidyScheduler();
      void app
        .close()
        .then(() => deps.store.close())
        .finally(() => {
          cleanup();
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

function devBanner(apiAddr: string, rootToken: string): string {
  return `
WARNING! dev mode is enabled! In this mode, mintca keeps its state in a temporary
SQLite file that is removed at exit, and starts initialized with the root token below.

You may need to set the following environment variables:

    $ export VAULT_ADDR='${apiAddr}'
    $ export VAULT_TOKEN='${rootToken}'

Root Token: ${rootToken}

Development mode should NOT be used in production installations!

`;
}
