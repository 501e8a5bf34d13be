import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface MintcaProcess {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Runs the real CLI (TypeScript through tsx), as `npm run dev` does. */
export const spawnMintca = (args: string[], env: NodeJS.ProcessEnv = {}): MintcaProcess =>
  spawnNode(['--import', 'tsx', 'src/cli/main.ts', ...args], env);

/** Runs the compiled CLI as installed users do (`bin/mintca.js` over `dist/`, from `npm run build`). */
export const spawnBuiltMintca = (args: string[], env: NodeJS.ProcessEnv = {}): MintcaProcess => spawnNode(['bin/mintca.js', ...args], env);

function spawnNode(nodeArgs: string[], env: NodeJS.ProcessEnv): MintcaProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${text}`)), timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            clearTimeout(deadline);
            resolve(match);
          } else if (child.exitCode !== null) {
            clearTimeout(deadline);
            reject(new Error(`process exited (${child.exitCode}) before ${pattern}; output:\n${text}`));
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
  };
}
