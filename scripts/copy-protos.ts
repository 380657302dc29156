// Makes proto/: the protobuf message definitions of the built-in kinds, taken as data from
// upstream's generated.proto files (k8s.io/api and k8s.io/apimachinery), with every comment
// removed, plus what the .proto files cannot say and the JSON rendering needs, read from the
// Go types the .proto files were generated from (json names, omitempty, pointers, inline fields).
//
//   git clone https://github.com/kubernetes/api && git clone https://github.com/kubernetes/apimachinery
//   npx tsx scripts/copy-protos.ts --api ./api --apimachinery ./apimachinery --tag v0.36.0
//
// v0.36.0 is the version whose messages match the served OpenAPI document field for field (the
// document has PodSpec.schedulingGroup, PodStatus.nodeAllocatableResourceClaimStatuses and
// ListMeta.shardInfo, which k8s.io/api v0.35.x does not).
// Either a clone or a bare git directory works: files are read with `git show <tag>:<path>`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoMessage } from '../src/server/protobuf/definitions.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'proto');

// the k8s.io/api group-versions copied: every group the server serves, and the ones kubectl and
// client-go commonly send as protobuf bodies (kubectl create deployment/job/pdb/ingress, ...)
const API_PACKAGES = [
  'core/v1',
  'admissionregistration/v1',
  'apps/v1',
  'authentication/v1',
  'authorization/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'coordination/v1',
  'discovery/v1',
  'events/v1',
  'networking/v1',
  'node/v1',
  'policy/v1',
  'rbac/v1',
  'scheduling/v1',
  'storage/v1',
];
const APIMACHINERY_PACKAGES = ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/runtime/schema', 'pkg/api/resource', 'pkg/util/intstr'];

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`usage: copy-protos.ts --api DIR --apimachinery DIR --tag vX.Y.Z (missing --${name})`);
  return v;
}

const git = (repo: string, ...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

/** Removes // and /* *\/ comments outside string literals (double-quoted and, for Go, back-quoted). */
export function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' && c === '"' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function tidyProto(text: string): string {
  const lines = stripComments(text)
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  const out: string[] = [];
  for (const l of lines) if (l !== '' || (out.length > 0 && out[out.length - 1] !== '')) out.push(l);
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n') + '\n';
}


function goMessages(src: string): Record<string, GoMessage> {
  const out: Record<string, GoMessage> = {};
  const code = stripComments(src);
  for (const m of code.matchAll(/^type\s+(\w+)\s+\[\](?!byte\b)\S+\s*$/gm)) out[m[1]!] = { slice: true };
  for (const m of code.matchAll(/^type\s+(\w+)\s+struct\s*\{([\s\S]*?)^\}/gm)) {
    const msg: GoMessage = {};
    for (const line of m[2]!.split('\n')) {
      const f = /^\s*(?:(\w+)\s+)?([*\[\]\w.]+)\s+`([^`]*)`/.exec(line);
      if (!f) continue;
      const goType = f[2]!;
      const tag = f[3]!;
      const pb = /protobuf:"([^"]*)"/.exec(tag)?.[1];
      if (!pb) continue;
      // without name=, go-to-protobuf names the field after the Go field (or embedded type)
      const goName = f[1] ?? goType.replace(/^[*]/, '').replace(/^.*\./, '');
      const protoName = /(?:^|,)name=([^,]+)/.exec(pb)?.[1] ?? goName[0]!.toLowerCase() + goName.slice(1);
      const jsonTag = /json:"([^"]*)"/.exec(tag)?.[1] ?? '';
      const [jsonName = '', ...opts] = jsonTag.split(',');
      const push = (k: 'always' | 'ptr' | 'inline') => (msg[k] ??= []).push(protoName);
      if (opts.includes('inline')) push('inline');
      else {
        if (!opts.includes('omitempty')) push('always');
        const name = jsonName === '' ? (f[1] ?? goType) : jsonName;
        if (name !== protoName) (msg.json ??= {})[protoName] = name;
      }
      if (goType.startsWith('*')) push('ptr');
    }
    if (Object.keys(msg).length) out[m[1]!] = msg;
  }
  return out;
}

function copyPackage(repo: string, tag: string, dir: string, importPrefix: string): void {
  const protoPath = `${dir}/generated.proto`;
  const target = join(OUT, importPrefix, dir);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'generated.proto'), tidyProto(git(repo, 'show', `${tag}:${protoPath}`)));
  const go: Record<string, GoMessage> = {};
  let group: string | undefined;
  for (const file of git(repo, 'ls-tree', '--name-only', `${tag}:${dir}`).split('\n')) {
    if (!file.endsWith('.go') || file.endsWith('_test.go') || file.startsWith('zz_generated') || file.endsWith('.pb.go')) continue;
    const src = git(repo, 'show', `${tag}:${dir}/${file}`);
    Object.assign(go, goMessages(src));
    group ??= /^const\s+GroupName\s*=\s*"([^"]*)"/m.exec(stripComments(src))?.[1];
  }
  const meta = { group: group ?? null, messages: go };
  writeFileSync(join(target, 'go.json'), JSON.stringify(meta, null, 1) + '\n');
}

function main(): void {
  const api = arg('api');
  const machinery = arg('apimachinery');
  const tag = arg('tag');
  rmSync(OUT, { recursive: true, force: true });
  for (const p of API_PACKAGES) copyPackage(api, tag, p, 'k8s.io/api');
  for (const p of APIMACHINERY_PACKAGES) copyPackage(machinery, tag, p, 'k8s.io/apimachinery');
  const source = {
    tag,
    'k8s.io/api': git(api, 'rev-parse', `${tag}^{commit}`).trim(),
    'k8s.io/apimachinery': git(machinery, 'rev-parse', `${tag}^{commit}`).trim(),
    packages: [...API_PACKAGES.map((p) => `k8s.io/api/${p}`), ...APIMACHINERY_PACKAGES.map((p) => `k8s.io/apimachinery/${p}`)],
  };
  writeFileSync(join(OUT, 'source.json'), JSON.stringify(source, null, 1) + '\n');
  writeFileSync(join(OUT, 'README.md'), README(tag));
}

const README = (tag: string): string => `# Protobuf message definitions (generated: do not edit)

Made by \`scripts/copy-protos.ts\` from upstream Kubernetes at tag \`${tag}\` (the version of the
served OpenAPI documents); \`source.json\` records the commits and the packages copied.

- \`k8s.io/api/<group>/<version>/generated.proto\` and \`k8s.io/apimachinery/pkg/.../generated.proto\`:
  upstream's generated.proto with every comment removed, otherwise as published.
- \`go.json\` next to each: read from the package's Go types, what the JSON form of a message needs
  and the .proto cannot say (the API group, fields without omitempty, pointer fields, inlined
  embedded structs, JSON names that differ from the proto names, named slice types).

Upstream's files are Copyright The Kubernetes Authors, licensed under the Apache License 2.0.
`;

main();
