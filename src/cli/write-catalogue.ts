// Build step (scripts/server-build.js): writes the command catalogue of the compiled CLI, taken
// from the full program — the core commands and the feature list's — to the file named first.
import fs from 'node:fs';
import { describeProgram } from './catalogue.js';
import { createProgramWithOwners } from './full.js';

const out = process.argv[2];
if (!out) throw new Error('usage: write-catalogue <file>');
const { program, featureOf } = await createProgramWithOwners();
fs.writeFileSync(out, `${JSON.stringify(describeProgram(program, featureOf), null, 1)}\n`);
