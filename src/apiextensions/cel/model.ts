// The CEL view of a structural schema, as upstream's
// staging/src/k8s.io/apiserver/pkg/cel/common/schemas.go (SchemaDeclType) and
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model/schemas.go, and the
// conversion of JSON values into CEL values (staging/src/k8s.io/apiserver/pkg/cel/common/values.go).
import { Duration } from '@marcbachmann/cel-js/evaluator';
import { jsonEqual } from '../../util/equal.js';

/** The raw JSON an object value was made from (for equality). */
export const RAW = Symbol('raw');

/**
 * An object value: a Map subclass per type (cel-js finds the type by constructor and reads a
 * Map's fields with get(), so a property named `constructor` cannot shadow anything). Fields are
 * converted from the JSON when first read, as upstream's unstructured values are
 * (apiserver/pkg/cel/common/values.go): a rule pays only for what it looks at.
 */
export type ObjectValue = Map<string, unknown> & { [RAW]?: unknown };

export interface Field {
  /** the JSON property name */
  json: string;
  /** the (escaped) CEL field name */
  cel: string;
  type: Decl;
}

export type Decl =
  | { kind: 'object'; name: string; fields: Field[]; ctor: new (raw: unknown) => ObjectValue }
  | { kind: 'map'; elem: Decl }
  | { kind: 'list'; elem: Decl }
  | { kind: 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'timestamp' | 'duration' | 'dyn' };

// staging/src/k8s.io/apiserver/pkg/cel/escaping.go
const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** Escape a property name for CEL (escaping.go Escape); undefined when it cannot be expressed. */
export function escapeName(ident: string): string | undefined {
  if (ident.length === 0 || (ident[0] >= '0' && ident[0] <= '9')) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (/[^a-zA-Z0-9_./-]/.test(ident)) return undefined;
  return ident.replace(/__|[-./]/g, (s) =>
    s === '__' ? '__underscores__' : s === '.' ? '__dot__' : s === '-' ? '__dash__' : '__slash__',
  );
}

/** The CEL type string cel-js understands for a declaration. */
export function celTypeString(d: Decl): string {
  switch (d.kind) {
    case 'object':
      return d.name;
    case 'map':
      return `map<string, ${celTypeString(d.elem)}>`;
    case 'list':
      return `list<${celTypeString(d.elem)}>`;
    case 'timestamp':
      return 'google.protobuf.Timestamp';
    case 'duration':
      return 'google.protobuf.Duration';
    default:
      return d.kind;
  }
}

function typeOf(s: any): string {
  return typeof s?.type === 'string' ? s.type : '';
}

/** Registers object types as they are made (the environment needs each before use). */
export interface TypeSink {
  register(d: Extract<Decl, { kind: 'object' }>): void;
  uniqueName(base: string): string;
}

// WithTypeAndObjectMeta (schemas.go): apiVersion, kind, metadata.name and metadata.generateName
// are always visible at the root of a resource (the custom resource and embedded resources).
function withTypeAndObjectMeta(s: any): any {
  const p = s?.properties;
  const md = p?.metadata;
  if (typeOf(p?.kind) === 'string' && typeOf(p?.apiVersion) === 'string' && typeOf(md) === 'object' && typeOf(md?.properties?.name) === 'string' && typeOf(md?.properties?.generateName) === 'string')
    return s;
  const props = { ...(s?.properties ?? {}) };
  props.apiVersion = { type: 'string' };
  props.kind = { type: 'string' };
  props.metadata = {
    type: 'object',
    properties: { name: { type: 'string' }, generateName: { type: 'string' } },
  };
  return { ...s, type: 'object', properties: props };
}

/** SchemaDeclType: the CEL declaration of a schema, or undefined where rules cannot see it. */
export function schemaDecl(s: any, isResourceRoot: boolean, name: string, sink: TypeSink): Decl | undefined {
  if (!s || typeof s !== 'object') return undefined;
  if (s['x-kubernetes-int-or-string'] === true) return { kind: 'dyn' };
  if (isResourceRoot) s = withTypeAndObjectMeta(s);
  switch (typeOf(s)) {
    case 'array': {
      if (!s.items || typeof s.items !== 'object' || Array.isArray(s.items)) return undefined;
      const elem = schemaDecl(s.items, s.items['x-kubernetes-embedded-resource'] === true, `${name}.@idx`, sink);
      return elem ? { kind: 'list', elem } : undefined;
    }
    case 'object': {
      const ap = s.additionalProperties;
      if (ap && typeof ap === 'object') {
        const elem = schemaDecl(ap, ap['x-kubernetes-embedded-resource'] === true, `${name}.@elem`, sink);
        return elem ? { kind: 'map', elem } : undefined;
      }
      const fields: Field[] = [];
      const props = s.properties && typeof s.properties === 'object' ? s.properties : {};
      for (const json of Object.keys(props)) {
        const prop = props[json];
        const cel = escapeName(json);
        if (cel === undefined) continue;
        const t = schemaDecl(prop, prop?.['x-kubernetes-embedded-resource'] === true, `${name}.${cel}`, sink);
        if (t) fields.push({ json, cel, type: t });
      }
      const typeName = sink.uniqueName(name);
      const ctor = lazyObjectClass(fields);
      Object.defineProperty(ctor, 'name', { value: typeName });
      const d: Extract<Decl, { kind: 'object' }> = { kind: 'object', name: typeName, fields, ctor };
      sink.register(d);
      return d;
    }
    case 'string':
      switch (s.format) {
        case 'byte':
          return { kind: 'bytes' };
        case 'duration':
          return { kind: 'duration' };
        case 'date':
        case 'date-time':
          return { kind: 'timestamp' };
      }
      return { kind: 'string' };
    case 'boolean':
      return { kind: 'bool' };
    case 'number':
      return { kind: 'double' };
    case 'integer':
      return { kind: 'int' };
  }
  return undefined;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function lazyObjectClass(fields: Field[]): new (raw: unknown) => ObjectValue {
  const byCel = new Map(fields.map((f) => [f.cel, f]));
  const NONE = { n: 0 };
  return class LazyObject extends Map<string, unknown> {
    [RAW]: unknown;
    #all = false;
    constructor(raw: unknown) {
      super();
      this[RAW] = raw;
    }
    override get(k: string): unknown {
      if (super.has(k)) return super.get(k);
      const f = byCel.get(k);
      if (!f) return undefined;
      const raw = this[RAW] as Record<string, unknown> | undefined;
      let v: unknown;
      if (raw && typeof raw === 'object' && hasOwn(raw, f.json)) {
        const fv = raw[f.json];
        if (fv !== null && fv !== undefined) v = toCel(fv, f.type, NONE);
      }
      super.set(k, v);
      return v;
    }
    override has(k: string): boolean {
      return this.get(k) !== undefined;
    }
    #load(): void {
      if (this.#all) return;
      this.#all = true;
      for (const f of fields) this.get(f.cel);
      for (const f of fields) if (super.get(f.cel) === undefined) super.delete(f.cel);
    }
    override get size(): number {
      this.#load();
      return super.size;
    }
    override [Symbol.iterator](): MapIterator<[string, unknown]> {
      this.#load();
      return super[Symbol.iterator]();
    }
    override entries(): MapIterator<[string, unknown]> {
      this.#load();
      return super.entries();
    }
    override keys(): MapIterator<string> {
      this.#load();
      return super.keys();
    }
    override values(): MapIterator<unknown> {
      this.#load();
      return super.values();
    }
    override forEach(cb: (v: unknown, k: string, m: Map<string, unknown>) => void, thisArg?: unknown): void {
      this.#load();
      super.forEach(cb, thisArg);
    }
  } as unknown as new (raw: unknown) => ObjectValue;
}

/** Roughly how many values a JSON value holds (stops counting at `cap`): the cost estimate's size. */
export function rawSize(v: unknown, cap: number): number {
  let n = 0;
  const stack: unknown[] = [v];
  while (stack.length && n < cap) {
    const x = stack.pop();
    n++;
    if (Array.isArray(x)) for (const y of x) stack.push(y);
    else if (x && typeof x === 'object') for (const k in x) if (hasOwn(x, k)) stack.push((x as any)[k]);
  }
  return n;
}

/** Counts what a conversion touched: the size used for the runtime cost estimate. */
export interface Counter {
  n: number;
}

const DURATION_RE = /^([-+]?)((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|ms|s|m|h))+|0)$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, into cel-js's Duration (undefined when not a duration). */
export function parseGoDuration(str: string): InstanceType<typeof Duration> | undefined {
  const m = DURATION_RE.exec(str);
  if (!m) return undefined;
  let ns = 0n;
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(m[2]))) {
    if (part[1] === '' || part[1] === '.') return undefined;
    ns += BigInt(Math.round(Number(part[1]) * UNIT_NS[part[2]]));
  }
  if (m[1] === '-') ns = -ns;
  const seconds = ns / 1_000_000_000n;
  return new Duration(seconds, Number(ns - seconds * 1_000_000_000n));
}

// Values outside the schema's shape are converted generically; past this depth they are cut
// (bodies may nest 10,000 levels, the call stack may not).
const MAX_DYN_DEPTH = 500;

function dynValue(v: unknown, c: Counter, depth = 0): unknown {
  c.n++;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (depth > MAX_DYN_DEPTH) return null;
  if (Array.isArray(v)) return v.map((x) => dynValue(x, c, depth + 1));
  if (v && typeof v === 'object') {
    const m = new Map<string, unknown>();
    for (const k of Object.keys(v)) if ((v as any)[k] !== null && (v as any)[k] !== undefined) m.set(k, dynValue((v as any)[k], c, depth + 1));
    return m;
  }
  return v;
}

/** A JSON value as the CEL value of its declaration (values.go UnstructuredToVal). */
export function toCel(v: unknown, d: Decl, c: Counter): unknown {
  c.n++;
  switch (d.kind) {
    case 'object': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return dynValue(v, c);
      return new d.ctor(v);
    }
    case 'map': {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return dynValue(v, c);
      const m = new Map<string, unknown>();
      for (const k of Object.keys(v)) {
        const ev = (v as any)[k];
        if (ev !== null && ev !== undefined) m.set(k, toCel(ev, d.elem, c));
      }
      return m;
    }
    case 'list':
      if (!Array.isArray(v)) return dynValue(v, c);
      return v.map((x) => (x === null ? null : toCel(x, d.elem, c)));
    case 'int':
      return typeof v === 'number' ? BigInt(Math.trunc(v)) : v;
    case 'double':
      return v;
    case 'bytes':
      return typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : v;
    case 'timestamp': {
      if (typeof v !== 'string') return v;
      const t = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? v + 'T00:00:00Z' : v);
      return Number.isNaN(t.getTime()) ? v : t;
    }
    case 'duration':
      return typeof v === 'string' ? (parseGoDuration(v) ?? v) : v;
    case 'dyn':
      return dynValue(v, c);
    default:
      return v;
  }
}

/** Equality of two object values: their JSON (unstructured maps compare entry by entry upstream). */
export function objectEqual(a: any, b: any): boolean {
  return jsonEqual(a?.[RAW], b?.[RAW]);
}
