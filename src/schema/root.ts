// Locating files shipped with the package (openapi/, the generated schema model) from code that
// runs both as src/ (tsx, vitest) and as dist/src/ (after tsc).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));

let root: string | undefined;

/** The nearest directory at or above this module that holds a package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = SCHEMA_DIR;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${SCHEMA_DIR}`);
    dir = up;
  }
}

/** The first of the candidate paths that exists, read; throws naming them all otherwise. */
export function readFirst(candidates: string[]): Buffer {
  for (const c of candidates) if (existsSync(c)) return readFileSync(c);
  throw new Error(`none of these files exists: ${candidates.join(', ')}`);
}
