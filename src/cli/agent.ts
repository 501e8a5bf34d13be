import pino from 'pino';
import { systemClock } from '../core/clock.js';
import { type AgentConfig, agentBooleanFlags, agentConfigFrom, agentFlags, agentHelp } from '../agent/config.js';
import { readAgentConfigFile } from '../agent/config-file.js';
import { AgentError } from '../agent/errors.js';
import { realSleep, runAgent } from '../agent/run.js';
import { flagBool, FlagError, parseFlags } from './flags.js';

/** `mintca agent`: argv and env -> AgentConfig -> runAgent. Failures print one line and exit 1. */
export async function runAgentCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, agentBooleanFlags, agentFlags);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`Error: ${error.message}\n\n${agentHelp}`);
    return 1;
  }
  if (flagBool(flags, 'help') || flagBool(flags, 'h')) {
    process.stdout.write(agentHelp);
    return 0;
  }
  if (flags.positional.length) {
    process.stderr.write(`Error: unexpected arguments: ${flags.positional.join(' ')}\n`);
    return 1;
  }
  let config: AgentConfig;
  try {
    const file = flags.values.get('config');
    config = agentConfigFrom(flags.values, env, file ? readAgentConfigFile(file) : new Map());
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    return 1;
  }
  const logger = pino({ level: config.logLevel, redact: { paths: ['*.token', '*.client_token', '*.private_key', '*.jwt', '*.secret_id'], censor: '[redacted]' } }, pino.destination(2));
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    logger.info({ signal }, 'stopping');
    stop.abort();
  };
  const term = () => onSignal('SIGTERM');
  const int = () => onSignal('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  try {
    return await runAgent(config, { logger, clock: systemClock, random: Math.random, sleep: realSleep, stop: stop.signal });
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    logger.error({ error: error.message }, 'agent failed');
    process.stderr.write(`Error: ${error.message}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', term);
    process.off('SIGINT', int);
  }
}
