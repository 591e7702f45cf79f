// Folding a reply: the new text a person wrote, without the quoted earlier mail and the
// signature (kept aside, shown on request). Works on text; HTML mail is first rendered to text
// (mailparser renders <blockquote> as "> " lines, so quotes fold the same way).

const attribution = [
  /^On .{1,300}(wrote|writes):\s*$/i, // Gmail, Apple Mail, Thunderbird
  /^Am .{1,300} schrieb .{0,200}:\s*$/i,
  /^Le .{1,300} a écrit\s*:\s*$/i,
  /^Op .{1,300} schreef .{0,200}:\s*$/i,
  /^El .{1,300} escribió:\s*$/i,
  /^Il .{1,300} ha scritto:\s*$/i,
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Oorspronkelijk bericht)\s*-{2,}\s*$/i,
  /^_{20,}\s*$/, // Outlook's rule above the quoted header block
];
const outlookHeader = /^(From|Van|Von|De):\s.+/i;
const outlookNext = /^(Sent|Date|Verzonden|Gesendet|Envoyé|To|Aan|An|À|Subject|Onderwerp|Betreff|Objet):\s/i;
const mobileSignature = /^(Sent from my .{1,60}|Sent from (Mail|Outlook) for .{1,40}|Get Outlook for .{1,40}|Verzonden vanaf mijn .{1,40}|Von meinem .{1,60} gesendet)\s*$/i;

export interface Folded {
  /** what the person wrote now */
  text: string;
  /** the quoted mail and the signature, or null when nothing was folded */
  quoted: string | null;
}

/** Splits a message's text into what is new and what is quoted or signature. */
export function foldReply(input: string): Folded {
  const text = input.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1].trim()}` : line;
    if (attribution.some((re) => re.test(line))) {
      cut = i;
      break;
    }
    // An attribution wrapped over two lines ("On Mon, … Support <s@x>\nwrote:")
    if (/^On\s/i.test(line) && /wrote:\s*$/i.test(joined) && attribution[0].test(joined)) {
      cut = i;
      break;
    }
    if (outlookHeader.test(line) && lines.slice(i + 1, i + 4).some((l) => outlookNext.test(l.trim()))) {
      cut = i;
      break;
    }
    if (line === '--' || lines[i] === '-- ') {
      cut = i;
      break;
    }
  }
  let head = lines.slice(0, cut);
  // A trailing block of "> " lines (a reply on top of a quote without attribution).
  let end = head.length;
  while (end > 0 && (/^\s*>/.test(head[end - 1]) || head[end - 1].trim() === '')) end--;
  if (end < head.length && head.slice(end).some((l) => /^\s*>/.test(l))) head = head.slice(0, end);
  // Mobile signatures at the end.
  while (head.length && (head[head.length - 1].trim() === '' || mobileSignature.test(head[head.length - 1].trim()))) head.pop();
  const fresh = head.join('\n').trim();
  if (!fresh) return { text: text.trim(), quoted: null }; // all quote: keep it all rather than show nothing
  const rest = lines.slice(head.length).join('\n').trim();
  return { text: fresh, quoted: rest ? rest : null };
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]);

/**
 * The only HTML of a message the app ever shows: its text, escaped, in paragraphs with line
 * breaks. The sender's markup (scripts, styles, images, links, forms) never reaches the app.
 */
export function safeHtmlFromText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}
