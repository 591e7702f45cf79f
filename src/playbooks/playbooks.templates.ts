// Email templates in Liquid (liquidjs), strict: a field that does not exist is an error naming
// it, never a blank in a sent email. HTML output is escaped; the plain-text part is not.
import { Liquid } from 'liquidjs';

// Limits keep an owner's template (or a hostile preview request) from hanging the server.
const common = { strictVariables: true, strictFilters: true, ownPropertyOnly: true, cache: 200, parseLimit: 200_000, renderLimit: 1000, memoryLimit: 5_000_000 } as const;
const htmlEngine = new Liquid({ ...common, outputEscape: 'escape' });
const textEngine = new Liquid({ ...common });

export class TemplateError extends Error {
  constructor(
    /** which part: subject, html or text */
    readonly part: string,
    message: string,
  ) {
    super(`${part}: ${message}`);
  }
}

function explain(err: unknown): string {
  const e = err as { name?: string; message?: string };
  const msg = e?.message ?? String(err);
  const undef = /undefined variable: ([^\s,]+)/i.exec(msg);
  const where = /line:(\d+), col:(\d+)/.exec(msg);
  const at = where ? ` (line ${where[1]}, column ${where[2]})` : '';
  if (undef) return `the field "${undef[1]}" does not exist${at}; check its spelling or remove it`;
  const filter = /undefined filter: ([^\s,]+)/i.exec(msg);
  if (filter) return `the filter "${filter[1]}" does not exist${at}`;
  return msg.split('\n')[0];
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

/** Renders all three parts; throws TemplateError naming the part and the missing field. */
export async function renderEmail(t: EmailTemplate, vars: Record<string, unknown>): Promise<RenderedEmail> {
  const render = async (engine: Liquid, part: string, src: string) => {
    try {
      return await engine.parseAndRender(src, vars);
    } catch (err) {
      throw new TemplateError(part, explain(err));
    }
  };
  return {
    subject: (await render(textEngine, 'subject', t.subject)).replace(/\s+/g, ' ').trim(),
    html: await render(htmlEngine, 'html', t.html),
    text: await render(textEngine, 'text', t.text),
  };
}

/** Sample variables for previews and for checking templates when a playbook is saved. */
export function sampleVariables(businessName: string): Record<string, unknown> {
  return {
    customer: { name: 'Alex Example', first_name: 'Alex', email: 'alex@example.com', city: 'Utrecht', country: 'NL', tags: ['vip'], clv: '€1,240.00', orders_count: 4 },
    business: { name: businessName },
    order: { amount: '€120.00', date: '2026-11-02', number: 'A-1042' },
    event: { score: 4, kind: 'detractor', category: 'support', cart_url: 'https://shop.example/cart/123', update_card_url: 'https://billing.example/update', amount: '€29.00', value: '€80.00' },
    promo: { code: 'THANKS-7K2QXM', percent_off: 15 },
    owner: { name: 'Sam Owner' },
  };
}
