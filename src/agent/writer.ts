/**
 * Atomic output of a certificate set, the way the kubelet publishes Secret volumes:
 *
 *   DIR/..v-<time>-<rand>/{tls.crt,tls.key,ca.crt[,bundle]}   a complete, fsynced set
 *   DIR/..data -> ..v-<time>-<rand>                              switched with one rename(2)
 *   DIR/tls.crt -> ..data/tls.crt  (and so on)                   stable names for readers
 *
 * Nothing is ever written in place. A crash leaves at most an unreferenced version directory or
 * a temp symlink, both removed on the next write. `..data` always names a whole set whose key and
 * certificate belong together; the previous set stays on disk until the next write, so a reader
 * that resolved the old `..data` can still finish reading it.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';
import { type IssuedSet, withoutRoots } from './issue.js';

export const dataLink = '..data';

type Owner = AgentConfig['owner'];
type Names = Pick<AgentConfig, 'certName' | 'keyName' | 'caName' | 'bundleName' | 'certWithChain'>;

function writeDurable(file: string, content: string, mode: number, owner: Owner): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, content);
    if (owner) chownSync(file, owner.uid, owner.gid);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function currentVersion(outDir: string): string | null {
  try {
    return readlinkSync(join(outDir, dataLink));
  } catch {
    return null;
  }
}

/** Removes what a crash may have left: unreferenced versions (but the current one), temp links. */
function removeLeftovers(outDir: string, keep: string | null): void {
  for (const entry of readdirSync(outDir)) {
    const stale = (entry.startsWith('..v-') && entry !== keep) || entry === `${dataLink}_tmp` || /^\..+\.tmp-[0-9a-f]+$/.test(entry);
    if (stale) rmSync(join(outDir, entry), { recursive: true, force: true });
  }
}

function failure(outDir: string, error: unknown): AgentError {
  const e = error as NodeJS.ErrnoException;
  return new AgentError(`cannot write certificates to ${outDir}: ${e.code ? `${e.code} ` : ''}${e.message}`);
}

export function writeSet(outDir: string, names: Names, set: IssuedSet, owner: Owner): string {
  try {
    mkdirSync(outDir, { recursive: true });
    removeLeftovers(outDir, currentVersion(outDir));
    const version = `..v-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
    const dir = join(outDir, version);
    mkdirSync(dir, { mode: 0o755 });
    if (owner) chownSync(dir, owner.uid, owner.gid);
    writeDurable(join(dir, names.keyName), set.keyPem, 0o600, owner);
    // The Kubernetes TLS-secret (cert-manager) layout: the leaf, then the intermediates a server sends.
    writeDurable(join(dir, names.certName), names.certWithChain ? set.certPem + withoutRoots(set.caPem) : set.certPem, 0o644, owner);
    writeDurable(join(dir, names.caName), set.caPem, 0o644, owner);
    if (names.bundleName) writeDurable(join(dir, names.bundleName), set.keyPem + set.certPem + set.caPem, 0o600, owner);
    fsyncDir(dir);

    const tmpLink = join(outDir, `${dataLink}_tmp`);
    symlinkSync(version, tmpLink);
    renameSync(tmpLink, join(outDir, dataLink));
    for (const name of [names.keyName, names.certName, names.caName, names.bundleName]) {
      if (name) ensureLink(outDir, name);
    }
    fsyncDir(outDir);
    return version;
  } catch (error) {
    throw error instanceof AgentError ? error : failure(outDir, error);
  }
}

/** DIR/name -> ..data/name, replacing a regular file (an older layout) with one rename. */
function ensureLink(outDir: string, name: string): void {
  const path = join(outDir, name);
  const target = `${dataLink}/${name}`;
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() && readlinkSync(path) === target) return;
    if (stat.isDirectory()) throw new AgentError(`cannot write certificates to ${outDir}: ${name} is a directory`);
  } catch (error) {
    if (error instanceof AgentError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const tmp = join(outDir, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
  symlinkSync(target, tmp);
  renameSync(tmp, path);
}

/** The set `..data` names now, or null when there is none or it is unreadable. */
export function readCurrentSet(outDir: string, names: Names): { certPem: string; keyPem: string; caPem: string } | null {
  try {
    const dir = join(outDir, currentVersion(outDir) ?? '');
    if (dir === join(outDir, '')) return null;
    return {
      certPem: readFileSync(join(dir, names.certName), 'utf8'),
      keyPem: readFileSync(join(dir, names.keyName), 'utf8'),
      caPem: readFileSync(join(dir, names.caName), 'utf8'),
    };
  } catch {
    return null;
  }
}
