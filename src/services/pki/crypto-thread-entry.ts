/** The crypto thread's side: keeps one signer per context the main thread sent, runs leaf jobs. */
import { parentPort } from 'node:worker_threads';
import { CaError } from '../../core/errors.js';
import { adoptLeafSigningContext, runLeafJob } from '../../pki/leaf-job.js';
import type { CryptoThreadReply, CryptoThreadRequest } from './crypto-thread.js';

/** Bounds memory when contexts come and go (every config change makes new ones); the main thread resends. */
const maxContexts = 256;
const contexts = new Map<number, ReturnType<typeof adoptLeafSigningContext>>();

function answer(request: CryptoThreadRequest): CryptoThreadReply {
  const { id } = request;
  if (request.context) {
    if (contexts.size >= maxContexts) contexts.clear();
    contexts.set(request.contextId, adoptLeafSigningContext(request.context));
  }
  const context = contexts.get(request.contextId);
  if (!context) return { id, unknownContext: true };
  try {
    return { id, outcome: runLeafJob(context.signer, context.authorityInfo, request.job) };
  } catch (error) {
    if (error instanceof CaError) return { id, refusal: { kind: error.kind, messages: error.messages } };
    return { id, failure: error instanceof Error ? error.message : String(error) };
  }
}

// One message per batch, as the main thread sends them: measured faster than one per answer.
parentPort!.on('message', (batch: CryptoThreadRequest[]) => parentPort!.postMessage(batch.map(answer)));
