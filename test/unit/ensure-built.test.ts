// scripts/ensure-built.mjs (what `npm start`, `npm test` and `prepare` run): it builds only when
// a source is newer than the last build, and returns at once otherwise. Run as the CLI on a
// made-up project whose "build" counts its runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'ensure-built.mjs');
const BUILD = `"${process.execPath}" -e "require('fs').appendFileSync('builds', 'x')"`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ensure-built-'));
  mkdirSync(join(dir, 'src', 'server'), { recursive: true });
  writeFileSync(join(dir, 'src', 'main.ts'), 'export {};\n');
  writeFileSync(join(dir, 'src', 'server', 'app.ts'), 'export {};\n');
  writeFileSync(join(dir, 'package.json'), '{}\n');
  return dir;
}

function run(dir: string, ...args: string[]): { code: number | null; ms: number; builds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [SCRIPT, '--root', dir, '--build-cmd', BUILD, ...args], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  const builds = existsSync(join(dir, 'builds')) ? readFileSync(join(dir, 'builds'), 'utf8').length : 0;
  return { code: r.status, ms, builds };
}

const later = (s: number) => new Date(Date.now() + s * 1000);

describe('scripts/ensure-built.mjs', () => {
  it('builds once, then returns within a second without building until a source changes', () => {
    const dir = project();
    expect(run(dir, '--check').code).toBe(1); // never built
    expect(run(dir)).toMatchObject({ code: 0, builds: 1 });
    expect(existsSync(join(dir, 'dist', '.build-stamp'))).toBe(true);
    const again = run(dir);
    expect(again).toMatchObject({ code: 0, builds: 1 });
    expect(again.ms).toBeLessThan(1000);
    expect(run(dir, '--check').code).toBe(0);

    // a nested source saved after the build
    utimesSync(join(dir, 'src', 'server', 'app.ts'), later(2), later(2));
    expect(run(dir, '--check').code).toBe(1);
    expect(run(dir)).toMatchObject({ code: 0, builds: 2 });
    expect(run(dir)).toMatchObject({ code: 0, builds: 2 });

    // a new file, and the other inputs (tsconfig, package.json)
    writeFileSync(join(dir, 'src', 'new.ts'), 'export {};\n');
    utimesSync(join(dir, 'src', 'new.ts'), later(3), later(3));
    expect(run(dir)).toMatchObject({ builds: 3 });
    utimesSync(join(dir, 'package.json'), later(4), later(4));
    expect(run(dir)).toMatchObject({ builds: 4 });
  });

  it('--force builds even when fresh (npm run build)', () => {
    const dir = project();
    expect(run(dir)).toMatchObject({ builds: 1 });
    expect(run(dir, '--force')).toMatchObject({ code: 0, builds: 2 });
  });

  it('a failed build leaves dist stale, so the next run builds again', () => {
    const dir = project();
    const r = spawnSync(process.execPath, [SCRIPT, '--root', dir, '--build-cmd', `"${process.execPath}" -e "process.exit(3)"`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(run(dir, '--check').code).toBe(1);
    expect(run(dir)).toMatchObject({ code: 0, builds: 1 });
  });

  it('without typescript (no devDependencies): npm start fails clearly, prepare (--if-possible) only warns', () => {
    const dir = project();
    const plain = spawnSync(process.execPath, [SCRIPT, '--root', dir], { encoding: 'utf8' });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toBe('dist/ is missing and typescript (a devDependency) is not installed: run `npm ci` (with dev dependencies) first\n');
    const soft = spawnSync(process.execPath, [SCRIPT, '--root', dir, '--if-possible'], { encoding: 'utf8' });
    expect(soft.status).toBe(0);
    expect(soft.stderr).toBe('ensure-built: typescript is not installed; dist/ is not built\n');
  });

  it('without src/ there is nothing to build (the Dockerfile runs `npm ci` before copying src)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensure-built-'));
    expect(run(dir)).toMatchObject({ code: 0, builds: 0 });
  });
});
