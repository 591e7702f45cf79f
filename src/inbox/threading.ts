// Email threading, pure: which earlier messages a mail answers (Message-ID, In-Reply-To,
// References), and the fallback key (subject without Re:/Fwd: + sender, within N days).

/** Subject prefixes mail clients add on reply or forward, in several languages. */
const prefix = /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|antwort|tr|rif|ref|odp|res|enc)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{0,40}\]\s*)/i;

/** The subject without reply/forward prefixes and list tags, whitespace collapsed. */
export function stripSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 20; i++) {
    const next = s.replace(prefix, '');
    if (next === s) break;
    s = next.trim();
  }
  return s;
}

/** The threading key of a subject: stripped and lower-cased ('' for none). */
export function subjectKey(subject: string): string {
  return stripSubject(subject).toLowerCase().slice(0, 500);
}

/** "Re: <subject>" for a reply (one Re:, never "Re: Re:"). */
export function replySubject(subject: string): string {
  const s = stripSubject(subject);
  return s ? `Re: ${s}` : 'Re: your message';
}

/** The <id@host> tokens of a Message-ID, In-Reply-To or References header, in order, de-duplicated. */
export function parseMessageIds(header: string | string[] | null | undefined): string[] {
  const text = Array.isArray(header) ? header.join(' ') : (header ?? '');
  const seen = new Set<string>();
  for (const m of text.matchAll(/<([^<>\s]{1,500})>/g)) seen.add(`<${m[1]}>`);
  // A bare id without brackets (some clients): take it as is.
  if (seen.size === 0 && /^[^<>\s@]{1,300}@[^<>\s@]{1,300}$/.test(text.trim())) seen.add(`<${text.trim()}>`);
  return [...seen];
}

/** The ids an incoming mail may answer, most specific first (In-Reply-To, then References newest first). */
export function threadCandidates(inReplyTo: string | string[] | null | undefined, references: string | string[] | null | undefined): string[] {
  const ids = [...parseMessageIds(inReplyTo), ...parseMessageIds(references).reverse()];
  return [...new Set(ids)].slice(0, 100);
}

/** The References header of a reply: the parent's references, then the parent's id (capped, oldest dropped but the root kept). */
export function replyReferences(parentReferences: string[], parentMessageId: string | null): string[] {
  const chain = [...new Set([...parentReferences, ...(parentMessageId ? [parentMessageId] : [])])];
  if (chain.length <= 20) return chain;
  return [chain[0], ...chain.slice(chain.length - 19)];
}

export interface SubjectCandidate {
  subjectKey: string;
  fromAddress: string | null;
  lastMessageAt: Date;
}

/** Whether a mail without known references continues a conversation: same subject key and sender, within `days`. */
export function continuesBySubject(candidate: SubjectCandidate, mail: { subject: string; from: string; at: Date }, days: number): boolean {
  const key = subjectKey(mail.subject);
  if (!key || key !== candidate.subjectKey) return false;
  if (!candidate.fromAddress || candidate.fromAddress.toLowerCase() !== mail.from.toLowerCase()) return false;
  const age = mail.at.getTime() - candidate.lastMessageAt.getTime();
  return age >= -60_000 && age <= days * 86400_000;
}
