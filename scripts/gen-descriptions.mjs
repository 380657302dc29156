#!/usr/bin/env node
// Build step: the OpenAPI description table, dist/openapi-descriptions.json, derived from the
// doc comments of the `kubernetes-types` dependency's .d.ts files (which carry upstream's field
// descriptions). The server merges it into /openapi/v2 and /openapi/v3 on the first OpenAPI
// request (src/schema/descriptions.ts); the checked-in openapi/ documents stay structure-only.
// Nothing of the table is committed: it exists only in dist/ (gitignored).
//
//   node scripts/gen-descriptions.mjs [--out FILE]
//
// Table: { source: "kubernetes-types@VER", definitions: { "<openapi definition name>":
//          { description?: string, properties?: { "<field>": string } } } }
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/**
 * The OpenAPI definition-name prefix of a kubernetes-types module (its path without .d.ts):
 * `core/v1` is io.k8s.api.core.v1, `meta/v1` io.k8s.apimachinery.pkg.apis.meta.v1, ...
 */
export function definitionPrefix(mod) {
  const special = {
    'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
    runtime: 'io.k8s.apimachinery.pkg.runtime',
    version: 'io.k8s.apimachinery.pkg.version',
  };
  if (special[mod]) return special[mod];
  const [group, version] = mod.split('/');
  if (!version) return undefined;
  if (group === 'meta') return `io.k8s.apimachinery.pkg.apis.meta.${version}`;
  if (group === 'apiextensions') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  return `io.k8s.api.${group}.${version}`;
}

/** The text of the /** ... *\/ comment just before a node, without the comment markers. */
function docText(src, node) {
  const ranges = ts.getLeadingCommentRanges(src.text, node.pos) ?? [];
  const r = ranges.filter((c) => src.text.startsWith('/**', c.pos)).pop();
  if (!r) return undefined;
  const body = src.text.slice(r.pos + 3, r.end - 2);
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  // a single-line comment is `/** text */`: its leading and trailing blank
  const text = lines.join('\n').replace(/^\s+/, '').replace(/\s+$/, '');
  return text || undefined;
}

function propertyName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return undefined;
}

/** The definitions of one .d.ts file: interfaces (with their properties) and type aliases. */
export function definitionsOf(fileName, text, prefix) {
  const src = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const out = {};
  for (const st of src.statements) {
    if (!ts.isInterfaceDeclaration(st) && !ts.isTypeAliasDeclaration(st)) continue;
    const entry = {};
    const d = docText(src, st);
    if (d) entry.description = d;
    if (ts.isInterfaceDeclaration(st)) {
      const props = {};
      for (const m of st.members) {
        if (!ts.isPropertySignature(m)) continue;
        const n = propertyName(m.name);
        const pd = n && docText(src, m);
        if (pd) props[n] = pd;
      }
      if (Object.keys(props).length) entry.properties = props;
    }
    if (entry.description || entry.properties) out[`${prefix}.${st.name.text}`] = entry;
  }
  return out;
}

function dtsFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...dtsFiles(p));
    else if (e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

export function buildTable(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const definitions = {};
  for (const file of dtsFiles(pkgDir)) {
    const mod = relative(pkgDir, file).slice(0, -'.d.ts'.length).split(sep).join('/');
    const prefix = definitionPrefix(mod);
    if (!prefix) continue;
    Object.assign(definitions, definitionsOf(file, readFileSync(file, 'utf8'), prefix));
  }
  return { source: `${pkg.name}@${pkg.version}`, definitions };
}

function main() {
  const argv = process.argv.slice(2);
  const outIdx = argv.indexOf('--out');
  const out = outIdx >= 0 ? resolve(argv[outIdx + 1]) : join(root, 'dist', 'openapi-descriptions.json');
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('kubernetes-types/package.json'));
  } catch {
    process.stderr.write('gen-descriptions: kubernetes-types is not installed; the OpenAPI documents are served without descriptions\n');
    rmSync(out, { force: true });
    return;
  }
  const table = buildTable(pkgDir);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(table));
  process.stdout.write(`gen-descriptions: ${Object.keys(table.definitions).length} definitions from ${table.source} -> ${relative(root, out)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
