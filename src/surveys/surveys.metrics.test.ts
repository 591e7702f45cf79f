import { describe, expect, it } from 'vitest';
import { bySegment, ces, csat, isDetractor, isPromoter, monthlyTrend, nps } from './surveys.metrics.js';
import { checkSurveyToken, parseSurveyToken, surveyToken } from './surveys.tokens.js';
import { suggestedReply } from './surveys.service.js';

describe('survey arithmetic', () => {
  it('computes NPS as % promoters − % detractors', () => {
    // 4 promoters (9,10,9,10), 2 passives (7,8), 4 detractors (0,3,6,6) → 40% − 40% = 0
    expect(nps([9, 10, 9, 10, 7, 8, 0, 3, 6, 6])).toEqual({ n: 10, promoters: 4, passives: 2, detractors: 4, score: 0 });
    expect(nps([10, 10, 10, 6]).score).toBe(50);
    expect(nps([]).score).toBeNull();
  });

  it('computes CSAT as % of 4–5 and CES as the mean', () => {
    expect(csat([5, 4, 3, 1])).toEqual({ n: 4, satisfied: 2, score: 50 });
    expect(ces([7, 6, 2])).toEqual({ n: 3, score: 5 });
    expect(ces([]).score).toBeNull();
  });

  it('draws the detractor and promoter lines per kind', () => {
    expect([0, 6, 7].map((s) => isDetractor('nps', s))).toEqual([true, true, false]);
    expect([1, 2, 3].map((s) => isDetractor('csat', s))).toEqual([true, true, false]);
    expect([3, 4].map((s) => isDetractor('ces', s))).toEqual([true, false]);
    expect(isDetractor('exit', null)).toBe(true);
    expect([8, 9].map((s) => isPromoter('nps', s))).toEqual([false, true]);
    expect(isPromoter('csat', 5)).toBe(true);
    expect(isPromoter('csat', 4)).toBe(false);
  });

  it('trends by month with gaps filled, and by segment', () => {
    const a = (kind: 'nps' | 'csat', score: number, day: string) => ({ kind, score, answeredAt: new Date(day) });
    const months = monthlyTrend([a('nps', 10, '2026-01-05'), a('nps', 0, '2026-01-20'), a('csat', 5, '2026-03-01')]);
    expect(months.map((m) => [m.month, m.nps, m.csat])).toEqual([
      ['2026-01', 0, null],
      ['2026-02', null, null],
      ['2026-03', null, 100],
    ]);
    const segs = bySegment([
      { ...a('nps', 10, '2026-01-01'), segments: ['vip', 'shop'] },
      { ...a('nps', 2, '2026-01-01'), segments: ['shop'] },
    ]);
    expect(segs).toEqual([
      { segment: 'shop', n: 2, nps: 0, csat: null, ces: null },
      { segment: 'vip', n: 1, nps: 100, csat: null, ces: null },
    ]);
  });

  it('signs tokens so that nothing about them can be changed', () => {
    const s = { requestId: '11111111-2222-4333-8444-555555555555', customerId: 'c1', kind: 'nps', expires: 2_000_000_000 };
    const token = surveyToken('secret', s);
    const p = parseSurveyToken(token)!;
    const req = { id: s.requestId, customerId: 'c1', kind: 'nps' };
    expect(checkSurveyToken('secret', p, req, new Date(1_900_000_000_000))).toBe('ok');
    expect(checkSurveyToken('other-secret', p, req, new Date(1_900_000_000_000))).toBe('invalid');
    expect(checkSurveyToken('secret', p, { ...req, customerId: 'c2' }, new Date(1_900_000_000_000))).toBe('invalid');
    expect(checkSurveyToken('secret', p, { ...req, kind: 'csat' }, new Date(1_900_000_000_000))).toBe('invalid');
    expect(checkSurveyToken('secret', p, req, new Date(2_000_000_001_000))).toBe('expired');
    expect(parseSurveyToken('a.b.c')).toBeNull();
    expect(parseSurveyToken(token + 'x')).toBeNull();
  });

  it('suggests a reply that speaks to the churn reason', () => {
    const text = suggestedReply({ kind: 'nps', score: 2, firstName: 'Ada', business: 'Fern Studio', reasons: ['price'], comment: 'too pricey' });
    expect(text).toMatch(/^Hi Ada,/);
    expect(text).toContain('paying only for what you use');
    expect(text).toContain('Fern Studio');
  });
});
