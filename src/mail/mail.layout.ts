// The business's branding around every email body: name, colour, optional logo and footer.
export interface Branding {
  businessName: string;
  /** a CSS colour for the header bar and links */
  color: string;
  logoUrl?: string | null;
  footer?: string | null;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const safeColor = (c: string) => (/^#[0-9a-f]{3,8}$/i.test(c) || /^[a-z]{3,20}$/i.test(c) ? c : '#2f6fdf');
const safeUrl = (u: string | null | undefined) => (u && /^https?:\/\/[^\s"'<>]+$/i.test(u) ? u : null);

export function isFullDocument(html: string): boolean {
  return /^\s*(<!doctype|<html)/i.test(html);
}

/** Wraps a body (already-safe HTML) in the branded layout, with an unsubscribe footer when given. */
export function brandHtml(branding: Branding, subject: string, bodyHtml: string, unsubscribe?: string | null): string {
  const color = safeColor(branding.color);
  const logo = safeUrl(branding.logoUrl);
  const header = logo
    ? `<img src="${escapeHtml(logo)}" alt="${escapeHtml(branding.businessName)}" style="max-height:40px">`
    : `<strong style="font-size:18px;color:#fff">${escapeHtml(branding.businessName)}</strong>`;
  const footer = [
    branding.footer ? escapeHtml(branding.footer) : escapeHtml(branding.businessName),
    unsubscribe ? `<a href="${escapeHtml(unsubscribe)}" style="color:${color}">Unsubscribe</a> from these emails.` : '',
  ]
    .filter(Boolean)
    .join('<br>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#fff;border-radius:10px;overflow:hidden">
<tr><td style="background:${color};padding:16px 24px">${header}</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5">${bodyHtml}</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#667085;border-top:1px solid #e4e7ec">${footer}</td></tr>
</table></td></tr></table></body></html>`;
}

export function brandText(branding: Branding, text: string, unsubscribe?: string | null): string {
  const lines = [text.trimEnd(), '', '--', branding.footer ?? branding.businessName];
  if (unsubscribe) lines.push(`Unsubscribe: ${unsubscribe}`);
  return lines.join('\n') + '\n';
}
