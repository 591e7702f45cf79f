import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectTone, wantsPerson } from './tone.js';

const rows = parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/tone.csv')), { columns: true }) as { message: string; label: string }[];

/** Precision and recall of the frustration detector on the labelled set (printed; README quotes them). */
function toneFigures() {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: string[] = [];
  for (const r of rows) {
    const got = detectTone(r.message).frustrated;
    const want = r.label === 'frustrated';
    if (got && want) tp++;
    else if (got) fp++, misses.push(`false alarm: ${r.message}`);
    else if (want) fn++, misses.push(`missed: ${r.message}`);
  }
  return { n: rows.length, positives: tp + fn, precision: tp / (tp + fp), recall: tp / (tp + fn), misses };
}

describe('tone', () => {
  it('detects frustration, anger and urgency on the labelled set', () => {
    const f = toneFigures();
    console.log(`tone: messages=${f.n} frustrated=${f.positives} precision=${f.precision.toFixed(3)} recall=${f.recall.toFixed(3)}\n  ${f.misses.join('\n  ')}`);
    expect(f.n).toBeGreaterThanOrEqual(250);
    expect(f.precision).toBeGreaterThanOrEqual(0.9);
    expect(f.recall).toBeGreaterThanOrEqual(0.85);
  });
  it('a negated or calmed marker does not count', () => {
    expect(detectTone("I'm not angry, just asking").frustrated).toBe(false);
    expect(detectTone('No rush, it is not urgent').frustrated).toBe(false);
    expect(detectTone('I am angry').frustrated).toBe(true);
    expect(detectTone('This is URGENT').frustrated).toBe(true);
  });
  it('shouting counts: capitals and repeated marks', () => {
    expect(detectTone('WHERE IS MY ORDER').frustrated).toBe(true);
    expect(detectTone('where is my order').frustrated).toBe(false);
    expect(detectTone('where is my order?!').score).toBeGreaterThan(detectTone('where is my order?').score);
  });
  it('hostile input: long, emoji, other scripts', () => {
    expect(detectTone('a'.repeat(100_000)).frustrated).toBe(false);
    expect(typeof detectTone('\u{1F621}'.repeat(10_000)).score).toBe('number');
    expect(detectTone('如何退款').frustrated).toBe(false);
  });
});

describe('hand-off request', () => {
  it('recognises requests for a person, with variants and typos', () => {
    for (const m of [
      'talk to a person',
      'I want to speak to a human',
      'agent',
      'Agent please',
      'human!!',
      'representative',
      'representive',
      'can I talk to someone',
      'connect me with a real person',
      'put me through to customer service',
      'live agent',
      'speak to an agnet',
      'i need a humna',
      'let me talk to your manager',
      'Can I chat with a live person please?',
      'escalate this',
      'operator',
    ])
      expect(wantsPerson(m), m).toBe(true);
  });
  it('does not mistake questions or refusals for a request', () => {
    for (const m of [
      'are you a human?',
      'are you a real person',
      "I don't want to talk to anyone, just tell me the hours",
      'What are your opening hours?',
      'how do I become an agent for your brand? I run a travel agency',
      'I want a real answer',
      'my order is late',
      'the human resources department sent me an invoice',
      '',
    ])
      expect(wantsPerson(m), m).toBe(false);
  });
});
