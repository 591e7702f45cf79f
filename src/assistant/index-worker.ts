// A knowledge index in its own thread, so the server never stops answering for it.
//  - role 'serve' (one per database, long-lived): builds the index once, then answers decide()
//    and applies each edit of the knowledge base with KnowledgeIndex.sync() (upsert/remove in one
//    rebuild from cached features: a fraction of a second) — the edit is matched at once — and
//    takes the thresholds a 'calibrate' worker computed for it (useCalibration).
//  - role 'calibrate' (short-lived): builds the same entries in full, with the k-fold calibration
//    that takes seconds, sends the calibration and ends. Meanwhile the serving thread keeps
//    answering with the previous thresholds.
import { parentPort, workerData } from 'node:worker_threads';
import { type Calibration, KnowledgeIndex } from './knowledge-index.js';
import type { MatcherEntry } from './matcher.js';

export type WorkerRequest = { kind: 'decide'; id: number; text: string } | { kind: 'sync'; id: number; entries: MatcherEntry[] } | { kind: 'calibration'; calibration: Calibration };
export type WorkerReply =
  | { kind: 'ready'; calibration: Calibration }
  | { kind: 'decision'; id: number; decision: ReturnType<KnowledgeIndex['decide']> }
  | { kind: 'synced'; id: number; changes: { added: number; changed: number; removed: number } }
  | { kind: 'calibrated'; calibration: Calibration }
  | { kind: 'failed'; id: number; message: string };
export interface WorkerData {
  role: 'serve' | 'calibrate';
  entries: MatcherEntry[];
}

const port = parentPort!;
const data = workerData as WorkerData;
const index = new KnowledgeIndex(data.entries);
if (data.role === 'calibrate') {
  port.postMessage({ kind: 'calibrated', calibration: index.calibration } satisfies WorkerReply);
} else {
  port.postMessage({ kind: 'ready', calibration: index.calibration } satisfies WorkerReply);
  port.on('message', (m: WorkerRequest) => {
    if (m.kind === 'calibration') return index.useCalibration(m.calibration);
    try {
      if (m.kind === 'sync') port.postMessage({ kind: 'synced', id: m.id, changes: index.sync(m.entries) } satisfies WorkerReply);
      else port.postMessage({ kind: 'decision', id: m.id, decision: index.decide(m.text) } satisfies WorkerReply);
    } catch (err) {
      port.postMessage({ kind: 'failed', id: m.id, message: (err as Error).message } satisfies WorkerReply);
    }
  });
}
