// A knowledge index in its own thread: building and calibrating one takes seconds (k-fold training
// over the entries), which must not stop the server answering. The worker builds the index it is
// given, then answers decide() requests until it is replaced by the next version's worker.
import { parentPort, workerData } from 'node:worker_threads';
import { KnowledgeIndex } from './knowledge-index.js';
import type { MatcherEntry } from './matcher.js';

export type WorkerRequest = { kind: 'decide'; id: number; text: string };
export type WorkerReply =
  | { kind: 'ready'; calibration: { answerThreshold: number; clarifyThreshold: number } }
  | { kind: 'decision'; id: number; decision: ReturnType<KnowledgeIndex['decide']> }
  | { kind: 'failed'; id: number; message: string };

const port = parentPort!;
const index = new KnowledgeIndex((workerData as { entries: MatcherEntry[] }).entries);
port.postMessage({ kind: 'ready', calibration: { answerThreshold: index.calibration.answerThreshold, clarifyThreshold: index.calibration.clarifyThreshold } } satisfies WorkerReply);
port.on('message', (m: WorkerRequest) => {
  try {
    port.postMessage({ kind: 'decision', id: m.id, decision: index.decide(m.text) } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ kind: 'failed', id: m.id, message: (err as Error).message } satisfies WorkerReply);
  }
});
