// `keepwell assistant eval --faq FAQ.csv --messages MESSAGES.csv [--json]`: builds a knowledge
// base from FAQ.csv exactly as the product does (same matcher, same self-calibrated thresholds;
// there is no threshold flag) and answers every message of MESSAGES.csv.
import type { Command } from 'commander';
import fs from 'node:fs';
import { evaluate, EvalInputError, readFaqCsv, readMessagesCsv, renderTable } from './eval.js';

function readFile(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EvalInputError(`${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message}`);
  }
}

export function registerAssistantCommands(program: Command): void {
  const assistant = program.command('assistant').description('the website assistant: answers from the FAQ');
  assistant
    .command('eval')
    .description('build a knowledge base from FAQ.csv (entry,question,answer) and score it on MESSAGES.csv (message,expected)')
    .requiredOption('--faq <file>', 'FAQ CSV: entry,question,answer — one row per phrasing')
    .requiredOption('--messages <file>', 'messages CSV: message,expected — expected is an entry id, empty when out of scope')
    .option('--json', 'print the result as JSON')
    .action((flags: { faq: string; messages: string; json?: boolean }) => {
      try {
        const entries = readFaqCsv(readFile(flags.faq, '--faq'), flags.faq);
        const messages = readMessagesCsv(readFile(flags.messages, '--messages'), flags.messages, new Set(entries.map((e) => e.id)));
        const result = evaluate(entries, messages);
        process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : renderTable(result) + '\n');
      } catch (err) {
        if (err instanceof EvalInputError) {
          console.error(`keepwell assistant eval: ${err.message}`);
          process.exit(2);
        }
        throw err;
      }
    });
}
