#!/usr/bin/env node
// Builds dist/ only when it is older than its inputs, so that `npm start` and `npm test` after
// `npm ci` (whose `prepare` already built) start at once instead of running tsc again.
//
//   node scripts/ensure-built.mjs            build if stale, else print nothing and exit 0
//   node scripts/ensure-built.mjs --force    build unconditionally (`npm run build`)
//   node scripts/ensure-built.mjs --check    exit 0 when fresh, 1 when stale; never builds
//   --if-possible                            without typescript (an install without devDependencies),
//                                            warn instead of failing (`prepare`, run by `npm ci`)
//   --root DIR / --build-cmd CMD             another project and build command (tests)
//
// The build is `tsc -p tsconfig.build.json`, then scripts/gen-descriptions.mjs (the OpenAPI
// description table in dist/), then scripts/bundle.mjs (dist/bundle/). dist/.build-stamp is written after a build that succeeded; dist is
// fresh when the stamp is newer than every file under src/ and the other inputs listed below.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STAMP = 'dist/.build-stamp';
/** Inputs besides src/ whose change makes dist stale. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/gen-descriptions.mjs', 'scripts/bundle.mjs', 'node_modules/kubernetes-types/package.json'];

function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a file removed or renamed changes its directory
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function newestInput(root) {
  return Math.max(newestMtime(join(root, 'src')), ...INPUTS.map((f) => newestMtime(join(root, f))));
}

/** 'fresh', 'stale' or 'nothing' (no src/: nothing to build, as during `npm ci` in the Dockerfile's first layer). */
export function freshness(root) {
  if (!existsSync(join(root, 'src'))) return 'nothing';
  let stamp;
  try {
    stamp = statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return 'stale';
  }
  return newestInput(root) < stamp ? 'fresh' : 'stale';
}

function defaultBuild(root, ifPossible) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    // an install without devDependencies: keep a dist that is there, fail without one
    if (ifPossible || existsSync(join(root, 'dist', 'src', 'main.js'))) {
      process.stderr.write(`ensure-built: typescript is not installed; ${existsSync(join(root, 'dist', 'src', 'main.js')) ? 'using the existing dist/' : 'dist/ is not built'}\n`);
      return false;
    }
    throw new Error('dist/ is missing and typescript (a devDependency) is not installed: run `npm ci` (with dev dependencies) first');
  }
  execSync(`"${process.execPath}" "${tsc}" -p tsconfig.build.json`, { cwd: root, stdio: 'inherit' });
  execSync(`"${process.execPath}" scripts/gen-descriptions.mjs`, { cwd: root, stdio: 'inherit' });
  // dist/bundle/, the bundled CLI bin/kube-emulator.mjs runs (faster start-up)
  execSync(`"${process.execPath}" scripts/bundle.mjs`, { cwd: root, stdio: 'inherit' });
  return true;
}

/** Builds when needed (or always with force); returns whether a build ran. */
export function ensureBuilt(root, { force = false, ifPossible = false, buildCmd } = {}) {
  const state = freshness(root);
  if (state === 'nothing' || (!force && state === 'fresh')) return false;
  const startedAt = Date.now();
  // a source dated in the future (clock skew, an unpacked archive) must not make every run build
  // (whole milliseconds: a Date has no fraction, and utimes may store a hair less than it was given)
  const stampAt = Math.max(startedAt, Math.ceil(newestInput(root)) + 1);
  let built = true;
  if (buildCmd) execSync(buildCmd, { cwd: root, stdio: 'inherit' });
  else built = defaultBuild(root, ifPossible);
  if (!built) return false;
  mkdirSync(dirname(join(root, STAMP)), { recursive: true });
  // the stamp carries the time the build started: a source saved during the build stays newer
  writeFileSync(join(root, STAMP), `built ${new Date(startedAt).toISOString()}\n`);
  const t = new Date(stampAt);
  utimesSync(join(root, STAMP), t, t);
  return true;
}

function cli(argv) {
  const args = { force: false, check: false, ifPossible: false, root: resolve(dirname(fileURLToPath(import.meta.url)), '..'), buildCmd: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') args.force = true;
    else if (a === '--check') args.check = true;
    else if (a === '--if-possible') args.ifPossible = true;
    else if (a === '--root') args.root = resolve(argv[++i]);
    else if (a === '--build-cmd') args.buildCmd = argv[++i];
    else throw new Error(`ensure-built: unknown argument ${a}`);
  }
  return args;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = cli(process.argv.slice(2));
    if (args.check) process.exit(freshness(args.root) === 'stale' ? 1 : 0);
    ensureBuilt(args.root, args);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
