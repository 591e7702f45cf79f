// Mail that no person wrote: auto-replies (out of office, "we received your message") and
// bounces. Stored with the conversation, never answered (no acknowledgement, no SLA), so two
// autoresponders can never talk to each other for ever.

export type Automatic = 'auto_reply' | 'bounce';

export interface MailSignals {
  /** header name (any case) → value */
  headers: Record<string, string | undefined>;
  from: string;
  subject: string;
  /** the top-level Content-Type with parameters */
  contentType: string;
}

const bounceSenders = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const autoSubjects = /^(auto(matic)?\s*(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|automatische (antwort|reply)|absence|réponse automatique|afwezig)\b|^auto:/i;

export function classifyAutomatic(m: MailSignals): Automatic | null {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers)) if (v !== undefined) h[k.toLowerCase()] = String(v).trim().toLowerCase();
  const type = m.contentType.toLowerCase();
  if (type.startsWith('multipart/report') && /report-type\s*=\s*"?(delivery-status|disposition-notification)/.test(type)) return 'bounce';
  if (bounceSenders.test(m.from.trim())) return 'bounce';
  if (h['return-path'] === '<>' && /^(undeliver|delivery status|returned mail|failure notice|mail delivery)/i.test(m.subject)) return 'bounce';
  if (h['auto-submitted'] && h['auto-submitted'] !== 'no') return 'auto_reply';
  if (h['x-autoreply'] || h['x-autorespond'] || h['x-autoresponse']) return 'auto_reply';
  if (h['x-auto-response-suppress'] && /\b(all|oof|autoreply)\b/.test(h['x-auto-response-suppress']) && autoSubjects.test(m.subject)) return 'auto_reply';
  if (h.precedence && /^(bulk|auto_reply|junk|list)$/.test(h.precedence)) return 'auto_reply';
  if (h['list-id'] || h['list-unsubscribe']) return 'auto_reply'; // newsletters: never answered either
  if (autoSubjects.test(m.subject.trim())) return 'auto_reply';
  return null;
}
