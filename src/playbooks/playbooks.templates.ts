// Email templates in Liquid (liquidjs), strict: a field that does not exist is an error naming
// it, never a blank in a sent email. HTML output is escaped; the plain-text part is not.
// Rendering happens in a worker thread (templates.worker.mjs) with no file access and with
// limits on time, memory and output, so neither a careless owner nor a hostile agent can read
// server files or hold up other requests.
import { Worker } from 'node:worker_threads';

export class TemplateError extends Error {
  constructor(
    /** which part: subject, html or text */
    readonly part: string,
    message: string,
  ) {
    super(`${part}: ${message}`);
  }
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailTemplate {
  subject: string;
  html: string;
  text: string;
}

/** A whole render (three parts, each limited to 250 ms inside the worker) past this is stopped by terminating the worker. */
const HARD_TIMEOUT_MS = 3_000;

type Reply = { id: number; rendered?: RenderedEmail; error?: { part: string; message: string } };
interface Pending {
  resolve: (r: RenderedEmail) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(err: Error) {
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    p.reject(err);
    pending.delete(id);
  }
}

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./templates.worker.mjs', import.meta.url));
  w.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.error) p.reject(new TemplateError(reply.error.part, reply.error.message));
    else p.resolve(reply.rendered!);
    if (pending.size === 0) w.unref();
  });
  const gone = (err: Error) => {
    if (worker === w) worker = null;
    failAll(err);
  };
  w.on('error', (err) => gone(err));
  w.on('exit', () => gone(new TemplateError('template', 'the template renderer stopped; try again')));
  w.unref();
  worker = w;
  return w;
}

/** Renders all three parts; throws TemplateError naming the part and what is wrong. */
export function renderEmail(t: EmailTemplate, vars: Record<string, unknown>): Promise<RenderedEmail> {
  const w = theWorker();
  const id = nextId++;
  return new Promise<RenderedEmail>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new TemplateError('template', `the template takes too long to render (over ${HARD_TIMEOUT_MS / 1000} s)`));
      // the worker may be stuck in this render: replace it (other renders in flight fail and are retried by their callers)
      if (worker === w) worker = null;
      void w.terminate();
    }, HARD_TIMEOUT_MS);
    pending.set(id, { resolve, reject, timer });
    w.ref();
    // vars are plain data (structured clone drops functions and prototypes, which templates must not see anyway)
    w.postMessage({ id, template: { subject: t.subject, html: t.html, text: t.text }, vars });
  });
}

/** Sample variables for previews and for checking templates when a playbook is saved. */
export function sampleVariables(businessName: string): Record<string, unknown> {
  return {
    customer: {
      name: 'Alex Example',
      first_name: 'Alex',
      email: 'alex@example.com',
      city: 'Utrecht',
      country: 'NL',
      tags: ['vip'],
      clv: '€1,240.00',
      orders_count: 4,
      tier: 'Silver',
      points: 320,
      next_tier: 'Gold',
      points_to_next_tier: 180,
    },
    business: { name: businessName },
    order: { amount: '€120.00', date: '2026-11-02', number: 'A-1042' },
    event: { score: 4, kind: 'detractor', category: 'support', cart_url: 'https://shop.example/cart/123', update_card_url: 'https://billing.example/update', amount: '€29.00', value: '€80.00' },
    promo: { code: 'THANKS-7K2QXM', percent_off: 15 },
    owner: { name: 'Sam Owner' },
  };
}
