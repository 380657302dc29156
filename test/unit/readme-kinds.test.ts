// The README's served-kinds table (between the served-kinds markers) says exactly what
// src/resources/index.ts registers: group/version, kind, resource, scope, verbs and the
// subresources in discovery, those not served marked †. Adding a kind without a row fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allResources } from '../../src/resources/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
// the subresources src/server/subresources.ts answers with what they do (the rest are listed in
// discovery only: they answer 404)
const SERVED_SUBRESOURCES = ['status', 'scale', 'finalize', 'binding', 'eviction', 'log', 'token', 'exec', 'attach', 'portforward'];

function verbsCell(verbs: string[]): string {
  const v = [...verbs].sort();
  if (v.join() === ALL_VERBS.join()) return 'all';
  const missing = ALL_VERBS.filter((x) => !v.includes(x));
  if (missing.length === 1 && v.length === ALL_VERBS.length - 1) return `all but ${missing[0]}`;
  return v.join(', ');
}

function readmeRows(): string[][] {
  const md = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const m = /<!-- served-kinds:start -->\n([\s\S]*?)<!-- served-kinds:end -->/.exec(md);
  if (!m) throw new Error('README.md has no served-kinds table');
  const lines = m[1].trim().split('\n').slice(2); // header and separator
  return lines.map((l) =>
    l
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim()),
  );
}

describe('README served kinds', () => {
  it('matches the registered kinds', () => {
    const want = allResources().map((d) => [
      d.group ? `${d.group}/${d.version}` : d.version,
      d.kind,
      d.plural,
      d.namespaced ? 'Namespaced' : 'Cluster',
      verbsCell(d.verbs),
      d.subresources.map((s) => (SERVED_SUBRESOURCES.includes(s.name) ? s.name : `${s.name}†`)),
    ]);
    const have = readmeRows().map((r) => [...r.slice(0, 5), r[5] ? r[5].split(',').map((s) => s.trim()) : []]);
    const key = (r: (string | string[])[]) => `${r[0]} ${r[1]}`;
    const sortSubs = (r: (string | string[])[]) => [...r.slice(0, 5), [...(r[5] as string[])].sort()];
    expect(have.map(key).sort()).toEqual(want.map(key).sort());
    for (const w of want) expect(sortSubs(have.find((h) => key(h) === key(w))!), key(w)).toEqual(sortSubs(w));
  });
});
