// FAQ answers are written in Markdown by staff and shown to anyone. They are never sent as HTML:
// markdown-it parses them (raw HTML off, so markup stays text) and we keep a small safe subset as
// plain data — paragraphs, lists, bold, italic, code, line breaks and http(s)/mailto links — which
// the widget and the web app build with text nodes only.
import MarkdownIt from 'markdown-it';
type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

export interface Inline {
  text: string;
  strong?: boolean;
  em?: boolean;
  code?: boolean;
  /** http(s) or mailto only */
  href?: string;
  br?: boolean;
}

export type SafeBlock = { type: 'p'; inline: Inline[] } | { type: 'list'; ordered: boolean; items: Inline[][] } | { type: 'code'; text: string };

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

/** A link target we show: absolute http(s) or mailto, nothing else (no javascript:, data:, relative paths). */
export function safeHref(href: string | null | undefined): string | undefined {
  const h = String(href ?? '').trim();
  if (h.length > 2000) return undefined;
  try {
    const u = new URL(h);
    if (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:') return u.toString();
  } catch {
    /* not a URL */
  }
  return undefined;
}

function inlineOf(children: Token[] | null): Inline[] {
  const out: Inline[] = [];
  let strong = 0;
  let em = 0;
  let href: string | undefined;
  for (const t of children ?? []) {
    switch (t.type) {
      case 'strong_open':
        strong++;
        break;
      case 'strong_close':
        strong = Math.max(0, strong - 1);
        break;
      case 'em_open':
        em++;
        break;
      case 'em_close':
        em = Math.max(0, em - 1);
        break;
      case 'link_open':
        href = safeHref(String(t.attrGet('href') ?? ''));
        break;
      case 'link_close':
        href = undefined;
        break;
      case 'softbreak':
        out.push({ text: ' ' });
        break;
      case 'hardbreak':
        out.push({ text: '', br: true });
        break;
      case 'code_inline':
        out.push({ text: t.content, code: true });
        break;
      case 'image':
        // images are not shown; their description is
        if (t.content) out.push({ text: t.content });
        break;
      default:
        if (t.content) out.push({ text: t.content, ...(strong ? { strong: true } : {}), ...(em ? { em: true } : {}), ...(href ? { href } : {}) });
    }
  }
  return out;
}

/** The answer as safe blocks (at most 50,000 characters of Markdown are read). */
export function renderAnswer(markdown: string): SafeBlock[] {
  const tokens = md.parse(markdown.slice(0, 50_000), {});
  const blocks: SafeBlock[] = [];
  let list: { ordered: boolean; items: Inline[][] } | null = null;
  let depth = 0;
  let heading = false;
  for (const t of tokens) {
    if (t.type === 'heading_open' || t.type === 'heading_close') heading = t.type === 'heading_open';
    else if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') {
      if (depth++ === 0) list = { ordered: t.type === 'ordered_list_open', items: [] };
    } else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') {
      if (--depth === 0 && list) {
        blocks.push({ type: 'list', ...list });
        list = null;
      }
    } else if (t.type === 'list_item_open' && depth === 1 && list) {
      list.items.push([]);
    } else if (t.type === 'inline') {
      const inline = inlineOf(t.children);
      if (list) {
        const item = list.items.at(-1);
        if (item) {
          if (item.length) item.push({ text: ' ' });
          item.push(...inline);
        }
      } else blocks.push({ type: 'p', inline: heading ? inline.map((i) => ({ ...i, strong: true })) : inline });
    } else if ((t.type === 'fence' || t.type === 'code_block') && !list) {
      blocks.push({ type: 'code', text: t.content.replace(/\n$/, '') });
    }
  }
  return blocks;
}

function inlineText(inline: Inline[]): string {
  return inline.map((i) => (i.br ? '\n' : i.href && ![i.text, `${i.text}/`, `mailto:${i.text}`].includes(i.href) ? `${i.text} (${i.href})` : i.text)).join('');
}

/** The answer as plain text (transcripts in the inbox, the language-model prompt). */
export function answerText(markdown: string): string {
  return renderAnswer(markdown)
    .map((b) => (b.type === 'p' ? inlineText(b.inline) : b.type === 'code' ? b.text : b.items.map((it, i) => `${b.ordered ? `${i + 1}.` : '•'} ${inlineText(it)}`).join('\n')))
    .join('\n\n');
}
