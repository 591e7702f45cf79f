// The inbox's pure core, without a database: threading, folding, automatic mail, business hours.
import { describe, expect, it } from 'vitest';
import { classifyAutomatic } from './automatic.js';
import { foldReply, safeHtmlFromText } from './fold.js';
import { addBusinessMs, businessHoursSchema, businessMsBetween, openAt, type BusinessHours } from './sla.js';
import { continuesBySubject, parseMessageIds, replyReferences, replySubject, subjectKey, threadCandidates } from './threading.js';

describe('threading', () => {
  it('reads Message-ID lists and prefers In-Reply-To, then References newest first', () => {
    expect(parseMessageIds('<a@x> <b@y>\r\n <c@z>')).toEqual(['<a@x>', '<b@y>', '<c@z>']);
    expect(parseMessageIds('bare@id.test')).toEqual(['<bare@id.test>']);
    expect(parseMessageIds('garbage without ids')).toEqual([]);
    expect(threadCandidates('<p@x>', '<root@x> <mid@x> <p@x>')).toEqual(['<p@x>', '<mid@x>', '<root@x>']);
  });

  it('strips Re:/Fwd:/AW:/[tags] for the subject key and writes one Re:', () => {
    expect(subjectKey('Re: RE: Fwd: [Ticket 12] Where is my order?')).toBe('where is my order?');
    expect(subjectKey('AW: Wg: Rechnung')).toBe('rechnung');
    expect(subjectKey('Re[2]: hello')).toBe('hello');
    expect(subjectKey('Regarding the refund')).toBe('regarding the refund');
    expect(replySubject('Re: Re: Where is my order?')).toBe('Re: Where is my order?');
    expect(replySubject('')).toBe('Re: your message');
  });

  it('continues by subject only for the same sender within the window', () => {
    const c = { subjectKey: 'where is my order?', fromAddress: 'ann@example.test', lastMessageAt: new Date('2026-03-01T10:00:00Z') };
    expect(continuesBySubject(c, { subject: 'Re: Where is my order?', from: 'Ann@Example.test', at: new Date('2026-03-05T10:00:00Z') }, 14)).toBe(true);
    expect(continuesBySubject(c, { subject: 'Re: Where is my order?', from: 'bob@example.test', at: new Date('2026-03-05T10:00:00Z') }, 14)).toBe(false);
    expect(continuesBySubject(c, { subject: 'Re: Where is my order?', from: 'ann@example.test', at: new Date('2026-04-05T10:00:00Z') }, 14)).toBe(false);
    expect(continuesBySubject(c, { subject: 'Another question', from: 'ann@example.test', at: new Date('2026-03-02T10:00:00Z') }, 14)).toBe(false);
  });

  it('builds References from the parent chain, capped but keeping the root', () => {
    expect(replyReferences(['<r@x>', '<m@x>'], '<p@x>')).toEqual(['<r@x>', '<m@x>', '<p@x>']);
    const long = Array.from({ length: 40 }, (_, i) => `<${i}@x>`);
    const refs = replyReferences(long, '<last@x>');
    expect(refs).toHaveLength(20);
    expect(refs[0]).toBe('<0@x>');
    expect(refs.at(-1)).toBe('<last@x>');
  });
});

describe('folding quoted replies and signatures', () => {
  it('folds a Gmail-style quote with a wrapped attribution', () => {
    const f = foldReply('Thanks, that worked!\n\nOn Mon, 1 Dec 2026 at 10:00, Support Team <support@shop.test>\nwrote:\n> Try turning it off\n> and on again.');
    expect(f.text).toBe('Thanks, that worked!');
    expect(f.quoted).toContain('Try turning it off');
  });

  it('folds an Outlook header block and the -- signature', () => {
    const f = foldReply('Please cancel.\n-- \nAnn Smith\nCEO\n');
    expect(f).toEqual({ text: 'Please cancel.', quoted: '-- \nAnn Smith\nCEO'.trim() });
    const o = foldReply('Yes please.\r\n\r\nFrom: Support <s@shop.test>\r\nSent: Monday, 1 December 2026 10:00\r\nTo: Ann\r\nSubject: Your order\r\n\r\nOld text');
    expect(o.text).toBe('Yes please.');
    expect(o.quoted).toContain('Old text');
  });

  it('folds German and Dutch attributions, trailing > blocks and "Sent from my iPhone"', () => {
    expect(foldReply('Danke!\n\nAm 01.12.2026 um 10:00 schrieb Support <s@x.de>:\n> alt').text).toBe('Danke!');
    expect(foldReply('Bedankt!\nOp ma 1 dec. 2026 om 10:00 schreef Support <s@x.nl>:\n> oud').text).toBe('Bedankt!');
    expect(foldReply('Sure\n\n> earlier\n> text\n').text).toBe('Sure');
    expect(foldReply('See you then\n\nSent from my iPhone').text).toBe('See you then');
  });

  it('keeps inline answers between quotes, and keeps a message that is only quote', () => {
    const inline = '> Which size?\nLarge\n> Which colour?\nBlue';
    expect(foldReply(inline).text).toBe(inline);
    expect(foldReply('> only quoted').text).toBe('> only quoted');
  });

  it('renders text to escaped HTML: markup never survives', () => {
    const html = safeHtmlFromText('<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n\nbye & "thanks"');
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>&lt;img src=x onerror=alert(1)&gt;</p><p>bye &amp; &quot;thanks&quot;</p>');
    expect(html).not.toMatch(/<script|<img/);
  });
});

describe('automatic mail', () => {
  const base = { headers: {}, from: 'ann@example.test', subject: 'Question', contentType: 'text/plain' };
  it('recognises auto-replies and bounces by their headers and senders', () => {
    expect(classifyAutomatic(base)).toBeNull();
    expect(classifyAutomatic({ ...base, headers: { 'Auto-Submitted': 'auto-replied' } })).toBe('auto_reply');
    expect(classifyAutomatic({ ...base, headers: { 'Auto-Submitted': 'no' } })).toBeNull();
    expect(classifyAutomatic({ ...base, headers: { 'X-Autoreply': 'yes' } })).toBe('auto_reply');
    expect(classifyAutomatic({ ...base, headers: { Precedence: 'bulk' } })).toBe('auto_reply');
    expect(classifyAutomatic({ ...base, headers: { precedence: 'auto_reply' } })).toBe('auto_reply');
    expect(classifyAutomatic({ ...base, subject: 'Out of Office: back Monday' })).toBe('auto_reply');
    expect(classifyAutomatic({ ...base, contentType: 'multipart/report; report-type=delivery-status; boundary="x"' })).toBe('bounce');
    expect(classifyAutomatic({ ...base, from: 'MAILER-DAEMON@mx.example.test' })).toBe('bounce');
    expect(classifyAutomatic({ ...base, subject: 'Re: Out of stock?' })).toBeNull();
  });
});

describe('business hours', () => {
  // Amsterdam: Mon–Fri 09:00–12:30 and 13:30–17:00 (lunch break), holiday on Christmas Day.
  const bh: BusinessHours = {
    timeZone: 'Europe/Amsterdam',
    week: {
      sun: [],
      mon: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      tue: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      wed: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      thu: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      fri: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      sat: [],
    },
    holidays: ['2026-12-25'],
  };
  const hour = 3600_000;

  it('carries a first-response hour across the weekend (Friday 16:30 local → Monday 09:30 local)', () => {
    // 2026-12-04 is a Friday; Amsterdam is UTC+1 in December.
    const due = addBusinessMs(new Date('2026-12-04T15:30:00Z'), hour, bh);
    expect(due.toISOString()).toBe('2026-12-07T08:30:00.000Z');
    expect(businessMsBetween(new Date('2026-12-04T15:30:00Z'), due, bh)).toBe(hour);
  });

  it('skips the lunch break', () => {
    // Tuesday 12:00 local + 1h = 30 min before lunch, 30 min after: 14:00 local = 13:00Z.
    expect(addBusinessMs(new Date('2026-12-01T11:00:00Z'), hour, bh).toISOString()).toBe('2026-12-01T13:00:00.000Z');
    // Arriving during lunch: the clock starts at 13:30.
    expect(addBusinessMs(new Date('2026-12-01T11:45:00Z'), hour, bh).toISOString()).toBe('2026-12-01T13:30:00.000Z');
  });

  it('skips a holiday (Thursday 24 Dec 16:30 → Christmas closed → Saturday closed … → Monday 28 Dec 09:30)', () => {
    // 26 Dec is a Saturday in 2026, so the next open time after the 25th is Monday the 28th.
    expect(addBusinessMs(new Date('2026-12-24T15:30:00Z'), hour, bh).toISOString()).toBe('2026-12-28T08:30:00.000Z');
  });

  it('counts summer time: Amsterdam is UTC+2 in July', () => {
    // Wednesday 1 July 2026 08:00 local (before opening) + 1h = 10:00 local = 08:00Z.
    expect(addBusinessMs(new Date('2026-07-01T06:00:00Z'), hour, bh).toISOString()).toBe('2026-07-01T08:00:00.000Z');
  });

  it('counts business time between instants and says when the next opening is', () => {
    // Friday 12:00 local → Monday 10:00 local: 30 min + 3.5 h Friday, 1 h Monday = 5 h.
    expect(businessMsBetween(new Date('2026-12-04T11:00:00Z'), new Date('2026-12-07T09:00:00Z'), bh)).toBe(5 * hour);
    expect(openAt(new Date('2026-12-05T10:00:00Z'), bh)).toEqual({ open: false, nextOpen: new Date('2026-12-07T08:00:00Z') });
    expect(openAt(new Date('2026-12-07T08:00:00Z'), bh).open).toBe(true);
  });

  it('falls back to calendar time when no hours are set, and validates schedules', () => {
    const none: BusinessHours = { ...bh, week: { sun: [], mon: [], tue: [], wed: [], thu: [], fri: [], sat: [] } };
    expect(addBusinessMs(new Date('2026-12-05T10:00:00Z'), hour, none).toISOString()).toBe('2026-12-05T11:00:00.000Z');
    expect(businessHoursSchema.safeParse({ week: { mon: [['17:00', '09:00']] } }).success).toBe(false);
    expect(businessHoursSchema.safeParse({ week: { mon: [['9am', '5pm']] } }).success).toBe(false);
    expect(businessHoursSchema.parse({ week: { mon: [['09:00', '17:00']] } }).week.sun).toEqual([]);
  });
});
