#!/usr/bin/env node
// `npm start`: build dist/ if its sources changed (scripts/ensure-built.mjs; after `npm ci` it is
// already built), then run the compiled CLI in this same process (one Node start-up, not two).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  ensureBuilt(root);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
// main.js reads its flags from process.argv.slice(2): the same arguments this script was given
await import(pathToFileURL(join(root, 'dist', 'src', 'main.js')).href);
