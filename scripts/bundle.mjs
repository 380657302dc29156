#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/main.js and everything it imports, node_modules included) into
// minified ES modules under dist/bundle/ (entry kube-emulator.js), which bin/kube-emulator.mjs runs.
// Start-up is mostly module loading: resolving, reading and compiling ~600 files costs about as much
// again as the server's own start, and one file parses faster than many (bench/security.ts). With
// code splitting, what the code already loads lazily (`await import(...)`: protobuf, YAML, CEL,
// JOSE, WebSocket, the shell, custom resources) becomes chunks read on first use, not at start.
// better-sqlite3 stays outside (a native addon); code that loads files shipped with the package
// finds them from package.json (src/util/paths.ts), so the bundle's location does not matter.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function bundle(root) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('bundle: esbuild (a devDependency) is not installed; bin/kube-emulator.mjs will run dist/src/main.js\n');
    return false;
  }
  rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });
  rmSync(join(root, 'dist/kube-emulator.mjs'), { force: true });
  await esbuild.build({
    entryPoints: { 'kube-emulator': join(root, 'dist/src/main.js') },
    outdir: join(root, 'dist/bundle'),
    chunkNames: 'chunk-[hash]',
    splitting: true,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // a native addon; and what fastify loads only for route schemas (we give it no-op compilers) or
    // inject() (tests): left in node_modules, never read at start
    external: ['better-sqlite3', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'],
    // CommonJS dependencies call require(): give the ES module one
    banner: { js: "import { createRequire as __kubeEmulatorRequire } from 'node:module'; const require = __kubeEmulatorRequire(import.meta.url);" },
    logLevel: 'warning',
    legalComments: 'none',
  });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(join(dirname(fileURLToPath(import.meta.url)), '..'));
