// The protobuf message definitions of the built-in kinds, read from proto/ (upstream's
// generated.proto files, copied by scripts/copy-protos.ts) on first use, one package at a time.
// Each package's go.json adds what the JSON form needs and the .proto cannot say; it is put on
// the protobufjs objects as options the renderers read:
//   field '(always)'  no omitempty: a zero value is rendered (a nil slice, map or pointer as null)
//   field '(ptr)'     a Go pointer: present when set, even to a zero value
//   field '(inline)'  an embedded struct whose fields JSON inlines
//   field '(json)'    the JSON name where it differs from the proto name ('-': not in JSON)
//   type  '(slice)'   a named Go slice (`type Verbs []string`): JSON is the `items` array
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../../schema/root.js';
import { APIEXTENSIONS_GO, APIEXTENSIONS_V1, apiextensionsProto } from './apiextensions.js';

/** What the JSON form of one message needs beyond the .proto (the go.json beside each generated.proto, made by scripts/copy-protos.ts). */
export interface GoMessage {
  /** fields without omitempty: rendered even when zero (nil slices, maps and pointers as null) */
  always?: string[];
  /** pointer fields: present when set, even to a zero value */
  ptr?: string[];
  /** embedded structs whose fields JSON inlines */
  inline?: string[];
  /** proto name -> JSON name where they differ; "-" for fields JSON leaves out */
  json?: Record<string, string>;
  /** the Go type is a named slice (`type Verbs []string`): JSON is the `items` array */
  slice?: true;
}
interface GoPackage {
  group: string | null;
  messages: Record<string, GoMessage>;
}
interface Source {
  tag: string;
  packages: string[];
}

const protoDir = (): string => join(packageRoot(), 'proto');

let root: protobuf.Root | undefined;
let source: Source | undefined;
/** import path (k8s.io/api/core/v1) -> proto package name, for the packages already parsed */
const loaded = new Map<string, string>();
/** apiVersion (v1, apps/v1) -> import path of its package */
let byApiVersion: Map<string, string> | undefined;

// packages described in code rather than copied into proto/ (./apiextensions.ts)
const DESCRIBED: Record<string, { proto: () => string; go: GoPackage }> = {
  [APIEXTENSIONS_V1]: { proto: apiextensionsProto, go: APIEXTENSIONS_GO },
};

function readSource(): Source {
  if (source) return source;
  const s = JSON.parse(readFileSync(join(protoDir(), 'source.json'), 'utf8')) as Source;
  return (source = { ...s, packages: [...s.packages, ...Object.keys(DESCRIBED)] });
}

function readGo(importPath: string): GoPackage {
  return DESCRIBED[importPath]?.go ?? (JSON.parse(readFileSync(join(protoDir(), importPath, 'go.json'), 'utf8')) as GoPackage);
}

/** The upstream tag the definitions were copied from (proto/source.json). */
export function protoSourceTag(): string {
  return readSource().tag;
}

function apiVersions(): Map<string, string> {
  if (byApiVersion) return byApiVersion;
  byApiVersion = new Map();
  for (const p of readSource().packages) {
    const go = readGo(p);
    if (go.group === null) continue;
    const version = p.slice(p.lastIndexOf('/') + 1);
    byApiVersion.set(go.group ? `${go.group}/${version}` : version, p);
  }
  return byApiVersion;
}

function annotate(pkgName: string, go: GoPackage): void {
  const ns = root!.lookup(pkgName);
  if (!(ns instanceof protobuf.Namespace)) return;
  for (const [name, info] of Object.entries(go.messages)) {
    const type = ns.get(name);
    if (!(type instanceof protobuf.Type)) continue;
    if (info.slice) type.setOption('(slice)', true);
    const set = (fields: string[] | undefined, opt: string, value: unknown = true) => {
      for (const f of fields ?? []) {
        const field = type.fields[f];
        if (field) (field.options ??= {})[opt] = value;
      }
    };
    set(info.always, '(always)');
    set(info.ptr, '(ptr)');
    set(info.inline, '(inline)');
    for (const [f, json] of Object.entries(info.json ?? {})) set([f], '(json)', json);
  }
}

/** Parses one package's generated.proto (and what it imports) unless already parsed. */
function loadPackage(importPath: string, top = true): string {
  const known = loaded.get(importPath);
  if (known) return known;
  root ??= new protobuf.Root();
  const text = DESCRIBED[importPath]?.proto() ?? readFileSync(join(protoDir(), importPath, 'generated.proto'), 'utf8');
  const parsed = protobuf.parse(text, root, { keepCase: true });
  const pkgName = parsed.package ?? importPath.replace(/\//g, '.');
  loaded.set(importPath, pkgName);
  for (const imp of parsed.imports ?? []) loadPackage(imp.replace(/\/generated\.proto$/, ''), false);
  annotate(pkgName, readGo(importPath));
  // resolved once the imports are all parsed
  if (top) root.resolveAll();
  return pkgName;
}

export const META_V1 = 'k8s.io/apimachinery/pkg/apis/meta/v1';
const RUNTIME = 'k8s.io/apimachinery/pkg/runtime';

/** A message type by its full name (k8s.io.apimachinery.pkg.runtime.Unknown), loading its package. */
export function messageType(fullName: string, importPath: string): protobuf.Type {
  loadPackage(importPath);
  return root!.lookupType(fullName);
}

export const unknownType = (): protobuf.Type => messageType('k8s.io.apimachinery.pkg.runtime.Unknown', RUNTIME);
export const metaType = (name: string): protobuf.Type => messageType(`k8s.io.apimachinery.pkg.apis.meta.v1.${name}`, META_V1);

/**
 * The message of a top-level object: `<package of the group-version>.<kind>`, or, for the
 * meta.k8s.io types every group-version also registers (DeleteOptions, Status, WatchEvent,
 * CreateOptions, ...; apimachinery pkg/apis/meta/v1/register.go AddToGroupVersion), meta/v1's.
 * Undefined for group-versions and kinds without protobuf (custom resources).
 */
export function kindMessage(apiVersion: string, kind: string): protobuf.Type | undefined {
  const importPath = apiVersion === 'meta.k8s.io/v1' ? META_V1 : apiVersions().get(apiVersion);
  if (!importPath || !/^[A-Z]\w*$/.test(kind)) return undefined;
  const pkgName = loadPackage(importPath);
  const own = root!.lookup(`${pkgName}.${kind}`);
  if (own instanceof protobuf.Type) return own;
  const meta = root!.lookup(`${loadPackage(META_V1)}.${kind}`);
  return meta instanceof protobuf.Type ? meta : undefined;
}

/** Every apiVersion with protobuf definitions (v1, apps/v1, ...). */
export function protobufApiVersions(): string[] {
  return [...apiVersions().keys()];
}

/** The protobufjs Root, with every copied package parsed (tests; encoding by hand). */
export function fullRoot(): protobuf.Root {
  for (const p of readSource().packages) loadPackage(p);
  return root!;
}
