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
// the CLI reads its flags from process.argv.slice(2): the same arguments this script was given
// (bin/kube-emulator.mjs: the bundled build, with the compile cache on Node 22+)
await import(pathToFileURL(join(root, 'bin', 'kube-emulator.mjs')).href);
