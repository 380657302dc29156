#!/usr/bin/env node
// The kube-emulator command. It runs the bundled CLI (dist/bundle/, scripts/bundle.mjs)
// when it is built, else the compiled modules (dist/src/main.js). On Node 22+ the compile cache
// keeps V8's compiled code between runs (node:module enableCompileCache), so later starts skip
// most of the parsing; Node 20 has no such cache and parses each time.
import module from 'node:module';
import { existsSync } from 'node:fs';

module.enableCompileCache?.();
const bundled = new URL('../dist/bundle/kube-emulator.js', import.meta.url);
await import(existsSync(bundled) ? bundled.href : new URL('../dist/src/main.js', import.meta.url).href);
