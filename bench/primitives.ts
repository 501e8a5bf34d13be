import { generateKeyPair, generateKeyPairSync, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { perSecond } from './load.js';

export interface Primitives {
  p256KeygenPerSecond: number;
  rsa2048KeygenPerSecond1Core: number;
  /** Async key generation on the libuv pool with every core busy: the ceiling for RSA issuance. */
  rsa2048KeygenPerSecondAllCores: number;
  ecdsaP256SignPerSecond: number;
  rsa2048SignPerSecond: number;
  cores: number;
}

const generate = promisify(generateKeyPair);

/** Calls of `run` per second over about `ms`, on this thread. */
function rate(ms: number, run: () => void): number {
  run();
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    run();
    count++;
  }
  return perSecond(count, (performance.now() - start) / 1000);
}

/** RSA-2048 key pairs per second with `inFlight` async generations kept going (libuv thread pool). */
export async function rsaKeygenAllCores(ms: number, inFlight = Math.max(4, availableParallelism() * 2)): Promise<number> {
  let count = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - start < ms) {
        await generate('rsa', { modulusLength: 2048 });
        count++;
      }
    }),
  );
  return perSecond(count, (performance.now() - start) / 1000);
}

/** The machine's crypto limits, measured in-process: what the HTTP figures can be held against. */
export async function measurePrimitives(ms = 2000): Promise<Primitives> {
  const data = Buffer.alloc(512, 1); // about the size of a leaf's TBSCertificate
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    p256KeygenPerSecond: rate(ms, () => generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    rsa2048KeygenPerSecond1Core: rate(ms * 2, () => generateKeyPairSync('rsa', { modulusLength: 2048 })),
    rsa2048KeygenPerSecondAllCores: await rsaKeygenAllCores(ms * 2),
    ecdsaP256SignPerSecond: rate(ms, () => sign('sha256', data, ec.privateKey)),
    rsa2048SignPerSecond: rate(ms, () => sign('sha256', data, rsa.privateKey)),
    cores: availableParallelism(),
  };
}
