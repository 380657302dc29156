#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/main.js and everything it imports, node_modules included) into
// one minified ES module, dist/kube-emulator.mjs, which bin/kube-emulator.mjs runs. Start-up is
// mostly module loading: resolving, reading and compiling ~600 files costs about as much again as
// the server's own start, and one file parses faster than many (measured in bench/security.ts).
// better-sqlite3 stays outside (a native addon); code that loads files shipped with the package
// finds them from package.json (src/util/paths.ts), so the bundle's location does not matter.
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
  await esbuild.build({
    entryPoints: [join(root, 'dist/src/main.js')],
    outfile: join(root, 'dist/kube-emulator.mjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    // CommonJS dependencies call require(): give the ES module one
    banner: { js: "import { createRequire as __kubeEmulatorRequire } from 'node:module'; const require = __kubeEmulatorRequire(import.meta.url);" },
    logLevel: 'warning',
    legalComments: 'none',
  });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(join(dirname(fileURLToPath(import.meta.url)), '..'));
