/** After a renewal: signal a process (by PID or PID file) and/or run a command. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';

/** The pid file does not exist (yet): there is no process to signal. */
export class ReloadTargetMissing extends AgentError {}

function targetPid(config: AgentConfig): number | null {
  if (config.pid !== null) return config.pid;
  if (config.pidFile === null) return null;
  let text: string;
  try {
    text = readFileSync(config.pidFile, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ReloadTargetMissing(`cannot read pid file ${config.pidFile}: ENOENT`);
    throw new AgentError(`cannot read pid file ${config.pidFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) throw new AgentError(`pid file ${config.pidFile} does not hold a process id`);
  return pid;
}

function runCommand(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new AgentError(`reload command failed to start: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new AgentError(`reload command exited with ${code ?? signal}`));
    });
  });
}

/** Runs every configured reload action; throws the first failure after trying them all. */
export async function reload(config: AgentConfig, files: { cert: string; key: string; ca: string }): Promise<string[]> {
  const done: string[] = [];
  const errors: Error[] = [];
  try {
    const pid = targetPid(config);
    if (pid !== null) {
      try {
        process.kill(pid, config.reloadSignal);
        done.push(`${config.reloadSignal} to ${pid}`);
      } catch (error) {
        throw new AgentError(`cannot send ${config.reloadSignal} to process ${pid}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
  } catch (error) {
    errors.push(error as Error);
  }
  if (config.reloadCommand) {
    try {
      await runCommand(config.reloadCommand, { MINTCA_CERT_FILE: files.cert, MINTCA_KEY_FILE: files.key, MINTCA_CA_FILE: files.ca });
      done.push('reload command');
    } catch (error) {
      errors.push(error as Error);
    }
  }
  if (errors.length) throw errors[0];
  return done;
}
