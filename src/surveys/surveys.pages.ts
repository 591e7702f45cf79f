// The public survey pages (server-rendered HTML, no JavaScript needed): score links, a plain
// form for the comment, and the thank-you. Everything shown is escaped; the only thing about
// the customer on the page is their first name.
import { escapeHtml as e } from '../mail/index.js';
import { churnReasonLabels, churnReasons } from './classifier/classifier.js';
import { kindInfo } from './surveys.kinds.js';
import type { OpenRequest } from './surveys.service.js';

const style = `
*{box-sizing:border-box}body{margin:0;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;line-height:1.5}
main{max-width:560px;margin:0 auto;padding:20px 16px}
.card{background:#fff;border:1px solid #e4e7ec;border-radius:12px;padding:20px}
h1{font-size:1.25rem;margin:0 0 12px}.biz{color:#667085;font-size:.9rem;margin-bottom:8px}
.scale{display:flex;flex-wrap:wrap;gap:6px;margin:12px 0 4px}
.scale a,.scale label{flex:1 0 40px;min-height:44px;display:flex;align-items:center;justify-content:center;border:1px solid #cfd5df;border-radius:8px;text-decoration:none;color:#1d2433;font-weight:600;background:#fff;cursor:pointer}
.scale a.on,.scale input:checked+span{background:#2f6fdf;color:#fff;border-color:#2f6fdf}
.scale label{position:relative;padding:0}.scale label span{display:flex;width:100%;height:100%;align-items:center;justify-content:center;border-radius:8px;min-height:42px}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.ends{display:flex;justify-content:space-between;color:#667085;font-size:.8rem}
textarea,input[type=text]{width:100%;font:inherit;padding:10px;border:1px solid #cfd5df;border-radius:8px}
textarea{min-height:120px}label.q{display:block;margin:14px 0 6px;font-weight:600}
.reasons label{display:flex;gap:8px;align-items:center;padding:8px 0;font-weight:400}
button{font:inherit;margin-top:16px;width:100%;min-height:46px;border:0;border-radius:8px;background:#2f6fdf;color:#fff;font-weight:600;cursor:pointer}
.thanks{background:#e3f4ea;color:#1a7f4b;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.error{background:#fdecea;color:#c0392b;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.cta a{display:block;text-align:center;margin-top:10px;padding:12px;border-radius:8px;border:1px solid #2f6fdf;color:#2f6fdf;text-decoration:none;font-weight:600}
.muted{color:#667085;font-size:.85rem}`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)}</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<div class="card"><h1>${e(title)}</h1><p>${e(message)}</p></div>`);
}

export interface PageState {
  token: string;
  /** the score chosen by a link in the email: shown chosen, recorded when the customer taps Send */
  chosenScore?: number;
  error?: string | null;
}

/** The survey page: score (links and radio buttons), custom questions, comment, exit reasons. */
export function surveyPage(r: OpenRequest, state: PageState): string {
  const info = kindInfo[r.kind];
  const action = `/p/s/${encodeURIComponent(state.token)}`;
  const current = state.chosenScore ?? r.response?.score ?? null;
  const parts: string[] = [];
  if (r.business) parts.push(`<div class="biz">${e(r.business)}</div>`);
  if (state.error) parts.push(`<div class="error" role="alert">${e(state.error)}</div>`);
  if (state.chosenScore !== undefined) {
    parts.push(
      `<div class="thanks" role="status" data-testid="score-chosen">Thank you${r.firstName ? `, ${e(r.firstName)}` : ''}! You chose <strong>${state.chosenScore}</strong>. Tap <strong>Send my answer</strong> to confirm it (a comment is welcome but optional).</div>`,
    );
  } else if (r.firstName) {
    parts.push(`<p>Hi ${e(r.firstName)},</p>`);
  }
  parts.push(`<h1>${e(info.question(r.business || 'us'))}</h1>`);
  parts.push(`<form method="post" action="${e(action)}">`);
  if (info.scale) {
    const { min, max, low, high } = info.scale;
    const radios: string[] = [];
    for (let s = min; s <= max; s++) {
      radios.push(`<label title="${s}"><input type="radio" name="score" value="${s}"${current === s ? ' checked' : ''}><span>${s}</span></label>`);
    }
    parts.push(
      `<fieldset style="border:0;padding:0;margin:0"><legend class="muted">Your answer</legend><div class="scale">${radios.join('')}</div><div class="ends"><span>${min} – ${e(low)}</span><span>${max} – ${e(high)}</span></div></fieldset>`,
    );
  } else {
    const chosen = new Set(r.response?.chosenReasons ?? []);
    parts.push(
      `<div class="reasons">${churnReasons
        .map((reason) => `<label><input type="checkbox" name="reasons" value="${reason}"${chosen.has(reason) ? ' checked' : ''}> ${e(churnReasonLabels[reason])}</label>`)
        .join('')}</div>`,
    );
  }
  for (const q of r.questions) {
    parts.push(`<label class="q" for="${e(q.id)}">${e(q.text)}</label><input type="text" id="${e(q.id)}" name="q_${e(q.id)}" maxlength="2000" value="${e(r.response?.answers?.[q.id] ?? '')}">`);
  }
  const commentLabel = info.scale ? "What's the main reason for your answer? (optional)" : 'Anything else you would like to tell us? (optional)';
  parts.push(`<label class="q" for="comment">${e(commentLabel)}</label><textarea id="comment" name="comment" maxlength="5000">${e(r.response?.comment ?? '')}</textarea>`);
  parts.push(`<button type="submit">${state.chosenScore !== undefined ? 'Send my answer' : 'Send'}</button></form>`);
  const to = r.business || 'the business that asked';
  parts.push(`<p class="muted">Your answer goes only to ${e(to)}${to.endsWith('.') ? '' : '.'}</p>`);
  return layout(info.label, `<div class="card">${parts.join('\n')}</div>`);
}

export interface ThanksState {
  promoter: boolean;
  reviewUrl: string | null;
  referralUrl: string | null;
  token: string;
}

export function thanksPage(r: OpenRequest, s: ThanksState): string {
  const score = r.response?.score;
  const parts = [
    r.business ? `<div class="biz">${e(r.business)}</div>` : '',
    `<h1 data-testid="thanks">Thank you${r.firstName ? `, ${e(r.firstName)}` : ''}!</h1>`,
    `<p>We've received your feedback${score !== null && score !== undefined ? ` (your answer: <strong data-testid="final-score">${score}</strong>)` : ''}. Every answer is read by the team.</p>`,
  ];
  if (r.response?.comment) parts.push(`<blockquote class="muted" data-testid="your-comment">${e(r.response.comment)}</blockquote>`);
  const ctas: string[] = [];
  if (s.promoter && s.reviewUrl) ctas.push(`<a href="${e(s.reviewUrl)}" rel="noopener noreferrer">Leave us a public review</a>`);
  if (s.promoter && s.referralUrl) ctas.push(`<a href="${e(s.referralUrl)}" rel="noopener noreferrer">Refer a friend</a>`);
  if (ctas.length) parts.push(`<p>So glad you're happy! Would you share it?</p><div class="cta">${ctas.join('')}</div>`);
  parts.push(`<p class="muted"><a href="/p/s/${e(encodeURIComponent(s.token))}">Change my answer</a></p>`);
  return layout('Thank you', `<div class="card">${parts.join('\n')}</div>`);
}
