#!/usr/bin/env node
// Generates src/controllers/runtime/podtemplate-go-types.generated.ts: the Go struct layout of
// k8s.io/api/core/v1 PodTemplateSpec and every type reachable from it (field order as declared,
// Go field names, JSON names, Go type strings as reflect prints them). The pod-template-hash
// (controller.ComputeHash) hashes go-spew's `%#v` dump of that struct, so the dump, and the hash,
// depend on exactly this field set: regenerate it when the emulated Kubernetes version moves.
//
// usage: node scripts/gen-podtemplate-go-types.mjs --api <dir|gitdir@ref> --apimachinery <dir|gitdir@ref> [--out file]
//   --api          a checkout of kubernetes/api (or staging/src/k8s.io/api), or a git dir and tag,
//                  e.g. ~/src/api/.git@v0.33.0
//   --apimachinery a checkout of kubernetes/apimachinery, same forms
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
if (!args.api || !args.apimachinery) {
  console.error('usage: gen-podtemplate-go-types.mjs --api <dir|gitdir@ref> --apimachinery <dir|gitdir@ref> [--out file]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const out = args.out ?? join(here, '..', 'src', 'controllers', 'runtime', 'podtemplate-go-types.generated.ts');

function readSource(spec, path) {
  const at = spec.lastIndexOf('@');
  if (at > 0) return execFileSync('git', ['-C', spec.slice(0, at), 'show', `${spec.slice(at + 1)}:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return readFileSync(join(spec, path), 'utf8');
}

// Go package path -> the package name reflect prints, and the files holding its types.
const PACKAGES = {
  'k8s.io/api/core/v1': { name: 'v1', src: args.api, files: ['core/v1/types.go'] },
  'k8s.io/apimachinery/pkg/apis/meta/v1': { name: 'v1', src: args.apimachinery, files: ['pkg/apis/meta/v1/types.go', 'pkg/apis/meta/v1/time.go', 'pkg/apis/meta/v1/micro_time.go'] },
  'k8s.io/apimachinery/pkg/api/resource': { name: 'resource', src: args.apimachinery, files: ['pkg/api/resource/quantity.go', 'pkg/api/resource/amount.go'] },
  'k8s.io/apimachinery/pkg/util/intstr': { name: 'intstr', src: args.apimachinery, files: ['pkg/util/intstr/intstr.go'] },
  'k8s.io/apimachinery/pkg/types': { name: 'types', src: args.apimachinery, files: ['pkg/types/uid.go'] },
};
const BUILTIN = new Set(['string', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'byte']);

/** Strips comments (line and block) but keeps string and raw-string literals intact. */
function stripComments(src) {
  let outS = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 2;
    } else if (c === '`' || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += c === '"' && src[j] === '\\' ? 2 : 1;
      outS += src.slice(i, j + 1);
      i = j + 1;
    } else {
      outS += c;
      i++;
    }
  }
  return outS;
}

/** Parses top-level type declarations: structs (fields in order), and named non-struct types. */
function parseTypes(pkgPath) {
  const pkg = PACKAGES[pkgPath];
  const decls = new Map();
  for (const file of pkg.files) {
    let text;
    try {
      text = readSource(pkg.src, file);
    } catch {
      continue; // micro_time.go is younger than the oldest releases
    }
    const src = stripComments(text);
    const imports = new Map();
    for (const m of src.matchAll(/^\s*(?:([A-Za-z_][\w]*)\s+)?"([^"]+)"\s*$/gm)) {
      const p = m[2];
      const nm = m[1] ?? (PACKAGES[p]?.name ?? p.split('/').pop().replace(/\.v\d+$/, ''));
      imports.set(nm, p);
    }
    const lines = src.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const head = lines[i].match(/^type\s+(\w+)\s+(=\s*)?(.+?)\s*$/);
      if (!head) continue;
      const [, name, alias, rest] = head;
      if (rest === 'struct {') {
        const fields = [];
        for (i++; i < lines.length && !/^}/.test(lines[i]); i++) {
          const line = lines[i].trim();
          if (!line) continue;
          const m = line.match(/^(?:(\w+)\s+)?([^\s`]+)\s*(`[^`]*`)?$/);
          if (!m) throw new Error(`${file}: cannot parse field of ${name}: ${line}`);
          const [, fname, ftype, tag] = m;
          const json = tag?.match(/json:"([^"]*)"/)?.[1] ?? '';
          const jsonName = json.split(',')[0];
          const inline = json.split(',').includes('inline');
          const embedded = !fname;
          const goName = fname ?? ftype.replace(/^\*/, '').split('.').pop();
          fields.push({ goName, type: ftype, jsonName: embedded && !jsonName ? (inline ? '' : goName) : jsonName, embedded, inline: inline || (embedded && !jsonName) });
        }
        decls.set(name, { kind: 'struct', fields, imports });
      } else if (rest === 'struct{}') {
        decls.set(name, { kind: 'struct', fields: [], imports });
      } else {
        decls.set(name, { kind: 'named', underlying: rest, alias: !!alias, imports });
      }
    }
  }
  return decls;
}

const parsed = Object.fromEntries(Object.keys(PACKAGES).map((p) => [p, parseTypes(p)]));

// Resolve a type expression in a package into reflect's string form, queueing the named types it uses.
const queue = [];
const seen = new Set();
function qualify(expr, pkgPath, imports) {
  if (expr.startsWith('*')) return `*${qualify(expr.slice(1), pkgPath, imports)}`;
  if (expr.startsWith('[]')) return `[]${qualify(expr.slice(2), pkgPath, imports)}`;
  const mm = expr.match(/^map\[([^\]]+)\](.+)$/);
  if (mm) return `map[${qualify(mm[1], pkgPath, imports)}]${qualify(mm[2], pkgPath, imports)}`;
  if (BUILTIN.has(expr)) return expr === 'byte' ? 'uint8' : expr;
  let target = pkgPath;
  let name = expr;
  if (expr.includes('.')) {
    const [q, n] = expr.split('.');
    target = imports.get(q);
    name = n;
    if (!target) throw new Error(`unknown package ${q} in ${expr}`);
  }
  if (target === 'time') return `time.${name}`;
  if (target === 'gopkg.in/inf.v0') return `inf.${name}`;
  const decl = parsed[target]?.get(name);
  if (!decl) throw new Error(`unknown type ${expr} in ${pkgPath}`);
  if (decl.kind === 'named' && decl.alias) return qualify(decl.underlying, target, decl.imports);
  const key = `${target}|${name}`;
  if (!seen.has(key)) {
    seen.add(key);
    queue.push([target, name]);
  }
  return `${PACKAGES[target].name}.${name}`;
}

// Types rendered by hand in podtemplate-hash.ts from their serialised form (their Go fields are
// unexported internals): their layouts are emitted too, for the renderer to check against.
const types = {};
qualify('PodTemplateSpec', 'k8s.io/api/core/v1', new Map());
while (queue.length) {
  const [pkgPath, name] = queue.shift();
  const decl = parsed[pkgPath].get(name);
  const qname = `${PACKAGES[pkgPath].name}.${name}`;
  const id = `${pkgPath}.${name}`;
  if (types[qname] && types[qname].pkg !== pkgPath) throw new Error(`two packages print as ${qname}`);
  if (decl.kind === 'struct') {
    types[qname] = {
      pkg: pkgPath,
      kind: 'struct',
      fields: decl.fields.map((f) => [f.goName, f.jsonName, qualifyField(f.type, pkgPath, decl.imports, id), f.inline ? 1 : 0]),
    };
  } else {
    types[qname] = { pkg: pkgPath, kind: 'named', underlying: qualifyField(decl.underlying, pkgPath, decl.imports, id) };
  }
}
function qualifyField(expr, pkgPath, imports, owner) {
  // resource.Quantity's internals (int64Amount, infDecAmount with *inf.Dec) and time.Time are
  // rendered by hand; the struct walk stops there.
  if (owner === 'k8s.io/apimachinery/pkg/api/resource.Quantity' || owner === 'k8s.io/apimachinery/pkg/api/resource.infDecAmount') {
    if (/^\*?inf\./.test(expr)) return expr;
  }
  return qualify(expr, pkgPath, imports);
}

// Two distinct Go types that print the same (core/v1 and meta/v1 are both "v1") would be ambiguous
const body = Object.entries(types)
  .map(([k, v]) => {
    if (v.kind === 'struct') return `  ${JSON.stringify(k)}: { kind: 'struct', fields: [\n${v.fields.map((f) => `    ${JSON.stringify(f)},`).join('\n')}\n  ] },`;
    return `  ${JSON.stringify(k)}: { kind: 'named', underlying: ${JSON.stringify(v.underlying)} },`;
  })
  .join('\n');
const srcLabel = (s) => (s.includes('@') ? s.slice(s.lastIndexOf('@') + 1) : 'a local checkout');
writeFileSync(
  out,
  `// Generated by scripts/gen-podtemplate-go-types.mjs from k8s.io/api ${srcLabel(args.api)} and k8s.io/apimachinery ${srcLabel(args.apimachinery)}: do not edit.
// The Go layout of v1.PodTemplateSpec and the types reachable from it, in declaration order:
// struct fields are [Go name, JSON name, Go type as reflect prints it, 1 when inlined (embedded)].
/* eslint-disable */
export type GoField = readonly [name: string, json: string, type: string, inline: 0 | 1];
export type GoTypeDecl = { kind: 'struct'; fields: readonly GoField[] } | { kind: 'named'; underlying: string };

export const GO_API_VERSION = ${JSON.stringify(srcLabel(args.api))};

export const GO_TYPES: Record<string, GoTypeDecl> = {
${body}
};
`,
);
console.error(`wrote ${out}: ${Object.keys(types).length} types`);
