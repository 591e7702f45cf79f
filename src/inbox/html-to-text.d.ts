// html-to-text ships no types; it comes with mailparser (which uses it for HTML-only mail).
declare module 'html-to-text' {
  export function convert(html: string, options?: Record<string, unknown>): string;
}
