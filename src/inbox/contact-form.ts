// The web contact form: a hosted page under /p/contact (plain HTML, no JavaScript) that a site
// can also embed in an iframe. Spam protection without a third-party service: a honeypot field
// (a bot that fills it is thanked and nothing is stored), a signed time token (a form sent in
// under 3 seconds or after a day is refused), and a per-address rate limit. "Please call me
// back" makes it a phone conversation with a 1-business-hour first-response target.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { purposeKey } from '../platform/secret.js';
import { escapeHtml as e } from './fold.js';

export const MIN_FILL_MS = 3000;
export const MAX_FILL_MS = 24 * 3600_000;

export function formToken(secret: string, issuedAt: number): string {
  const mac = createHmac('sha256', purposeKey(secret, 'inbox.contact-form')).update(`inbox-form:${issuedAt}`).digest('base64url').slice(0, 22);
  return `${issuedAt}.${mac}`;
}

/** When the form was handed out, or null for a token that is not ours. */
export function formIssuedAt(secret: string, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const [at] = token.split('.');
  const issuedAt = Number(at);
  if (!Number.isSafeInteger(issuedAt)) return null;
  const expected = Buffer.from(formToken(secret, issuedAt));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? issuedAt : null;
}

const style = `*{box-sizing:border-box}body{margin:0;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;line-height:1.5}
main{max-width:560px;margin:0 auto;padding:20px 16px}.card{background:#fff;border:1px solid #e4e7ec;border-radius:12px;padding:20px}
h1{font-size:1.25rem;margin:0 0 12px}label{display:block;margin:12px 0 4px;font-weight:600}
input[type=text],input[type=email],input[type=tel],textarea{width:100%;font:inherit;padding:10px;border:1px solid #cfd5df;border-radius:8px}
textarea{min-height:140px}.check{display:flex;gap:8px;align-items:center;font-weight:400}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
button{font:inherit;margin-top:16px;width:100%;min-height:46px;border:0;border-radius:8px;background:#2f6fdf;color:#fff;font-weight:600;cursor:pointer}
.error{background:#fdecea;color:#c0392b;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.thanks{background:#e3f4ea;color:#1a7f4b;border-radius:8px;padding:10px 12px}.muted{color:#667085;font-size:.85rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)}</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface FormValues {
  name?: string;
  email?: string;
  phone?: string;
  subject?: string;
  message?: string;
  callback?: boolean;
}

export function contactPage(business: string, token: string, embed: boolean, values: FormValues = {}, error?: string): string {
  const v = (s?: string) => e(s ?? '');
  return page(
    `Contact ${business}`,
    `<div class="card"><h1>Contact ${e(business)}</h1>
${error ? `<div class="error" role="alert">${e(error)}</div>` : ''}
<form method="post" action="/p/contact${embed ? '?embed=1' : ''}">
<input type="hidden" name="t" value="${e(token)}">
<div class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<label for="name">Your name</label><input type="text" id="name" name="name" maxlength="200" value="${v(values.name)}" autocomplete="name">
<label for="email">Email</label><input type="email" id="email" name="email" maxlength="320" value="${v(values.email)}" autocomplete="email">
<label for="phone">Phone (for a call back)</label><input type="tel" id="phone" name="phone" maxlength="50" value="${v(values.phone)}" autocomplete="tel">
<label for="subject">Subject</label><input type="text" id="subject" name="subject" maxlength="300" value="${v(values.subject)}">
<label for="message">Message</label><textarea id="message" name="message" maxlength="20000">${v(values.message)}</textarea>
<label class="check"><input type="checkbox" name="callback" value="1"${values.callback ? ' checked' : ''}> Please call me back</label>
<button type="submit">Send</button>
<p class="muted">We answer within business hours. Give an email or a phone number so we can reach you.</p>
</form></div>`,
  );
}

export function thanksPage(business: string, callback: boolean): string {
  return page(
    'Thank you',
    `<div class="card"><h1>Thank you</h1><p class="thanks" data-testid="thanks">${callback ? `${e(business)} will call you back, usually within a business hour.` : `Your message reached ${e(business)}. We will answer soon.`}</p></div>`,
  );
}

export function formErrorPage(title: string, message: string): string {
  return page(title, `<div class="card"><h1>${e(title)}</h1><p>${e(message)}</p></div>`);
}
