// Renders Liquid templates in a worker thread, so a slow or hostile template never holds up the
// server's request handling. Templates can reach no file: lookups go to an empty in-memory map
// and the include/render/layout tags are refused at parse time. Limits bound the work per part.
// Plain JavaScript (only liquidjs is imported) so the worker starts without a TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { Liquid, Tag } from 'liquidjs';

export const LIMITS = {
  /** characters of template source per part */
  parseLimit: 200_000,
  /** milliseconds of rendering per part: what bounds loops (liquid checks it between tags) */
  renderLimit: 250,
  /** bytes liquid may allocate per part (strings, arrays, ranges) */
  memoryLimit: 5_000_000,
  /** characters of output per part */
  outputLimit: 300_000,
};

class NoFilesTag extends Tag {
  constructor(token, remainTokens, liquid, parser) {
    super(token, remainTokens, liquid);
    void parser;
    throw new Error(`{% ${token.name} %} is not available: email templates cannot load other templates or files`);
  }
  *render() {}
}

function makeEngine(escapeHtml) {
  const engine = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    cache: 200,
    templates: {}, // never the file system
    parseLimit: LIMITS.parseLimit,
    renderLimit: LIMITS.renderLimit,
    memoryLimit: LIMITS.memoryLimit,
    ...(escapeHtml ? { outputEscape: 'escape' } : {}),
  });
  for (const name of ['include', 'render', 'layout']) engine.registerTag(name, NoFilesTag);
  return engine;
}
const htmlEngine = makeEngine(true);
const textEngine = makeEngine(false);

function explain(err) {
  const msg = err?.message ?? String(err);
  const undef = /undefined variable: ([^\s,]+)/i.exec(msg);
  const where = /line:(\d+), col:(\d+)/.exec(msg);
  const at = where ? ` (line ${where[1]}, column ${where[2]})` : '';
  if (undef) return `the field "${undef[1]}" does not exist${at}; check its spelling or remove it`;
  const filter = /undefined filter: ([^\s,]+)/i.exec(msg);
  if (filter) return `the filter "${filter[1]}" does not exist${at}`;
  if (/template render limit exceeded/i.test(msg)) return `the template takes too long to render (over ${LIMITS.renderLimit} ms)${at}; simplify its loops`;
  if (/memory alloc limit exceeded/i.test(msg)) return `the template builds too much text or too large a list${at}`;
  if (/parse length limit exceeded/i.test(msg)) return `the template is too long (over ${LIMITS.parseLimit} characters)`;
  return msg.split('\n')[0];
}

async function renderPart(engine, part, source, vars) {
  let out;
  try {
    out = await engine.parseAndRender(source, vars);
  } catch (err) {
    return { error: { part, message: explain(err) } };
  }
  if (out.length > LIMITS.outputLimit) return { error: { part, message: `the rendered text is too long (over ${LIMITS.outputLimit} characters)` } };
  return { out };
}

parentPort?.on('message', async ({ id, template, vars }) => {
  const parts = [
    ['subject', textEngine, template.subject],
    ['html', htmlEngine, template.html],
    ['text', textEngine, template.text],
  ];
  const rendered = {};
  for (const [part, engine, source] of parts) {
    const r = await renderPart(engine, part, source, vars);
    if (r.error) return parentPort.postMessage({ id, error: r.error });
    rendered[part] = r.out;
  }
  rendered.subject = rendered.subject.replace(/\s+/g, ' ').trim();
  parentPort.postMessage({ id, rendered });
});
