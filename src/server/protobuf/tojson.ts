// Renders a decoded protobufjs message as the JSON the Kubernetes API would
// produce for the same Go object (encoding/json semantics: `omitempty`,
// nil slices as null, []byte as base64, map keys sorted, metav1.Time as
// RFC3339 seconds, IntOrString as number or string, Quantity as string).
// The Go facts (omitempty, pointers, inline structs, JSON names) are field options set by
// ./definitions.ts from proto/**/go.json.
import protobuf from 'protobufjs';
import { formatDuration } from './duration.js';

type Msg = Record<string, unknown>;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const DURATION = `${META}.Duration`;
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
// apiextensions.k8s.io/v1's own JSON forms (apiextensions-apiserver pkg/apis/apiextensions/v1/marshal.go)
const APIEXT = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
const AX_JSON = `${APIEXT}.JSON`;
const AX_OR_BOOL = `${APIEXT}.JSONSchemaPropsOrBool`;
const AX_OR_ARRAY = `${APIEXT}.JSONSchemaPropsOrArray`;
const AX_OR_STRINGS = `${APIEXT}.JSONSchemaPropsOrStringArray`;

/** Decodes an embedded protobuf object (magic + runtime.Unknown) to JSON; set by ../protobuf.ts. */
let embeddedDecoder: ((raw: Uint8Array) => unknown) | undefined;
export function setEmbeddedDecoder(fn: (raw: Uint8Array) => unknown): void {
  embeddedDecoder = fn;
}

/** Raised by the renderer when message content cannot be turned into JSON. */
export class JsonRenderError extends Error {}

// protobufjs builds fullName by walking the parents on every read: once per type is enough
const names = new WeakMap<protobuf.Type, string>();
function fullName(type: protobuf.Type): string {
  let n = names.get(type);
  if (n === undefined) names.set(type, (n = type.fullName.replace(/^\./, '')));
  return n;
}

function has(msg: Msg, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, key);
}

function longToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  if (typeof v === 'string') return Number(v);
  return 0;
}

function scalarDefault(field: protobuf.Field): unknown {
  switch (field.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array(0);
    default:
      return 0;
  }
}

function isZeroScalar(field: protobuf.Field, v: unknown): boolean {
  switch (field.type) {
    case 'string':
      return v === '';
    case 'bool':
      return v === false;
    case 'bytes':
      return !(v instanceof Uint8Array) || v.length === 0;
    default:
      return longToNumber(v) === 0;
  }
}

function renderScalar(field: protobuf.Field, v: unknown): unknown {
  switch (field.type) {
    case 'string':
    case 'bool':
      return v;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'double':
    case 'float':
      return typeof v === 'number' ? v : Number(v);
    default:
      return longToNumber(v);
  }
}

/** metav1.Time is rendered at second precision, RFC3339 in UTC. */
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) throw new JsonRenderError(`timestamp out of range: ${seconds}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime keeps six fractional digits. */
function formatMicroTime(seconds: number, nanos: number): string {
  const base = formatTime(seconds).replace(/Z$/, '');
  const micros = Math.floor(nanos / 1000).toString().padStart(6, '0');
  return `${base}.${micros}Z`;
}

function renderSpecial(name: string, msg: Msg, type: protobuf.Type): { handled: boolean; value?: unknown } {
  const schemaOf = (v: unknown): unknown => messageToJson(type.fields.schema!.resolvedType as protobuf.Type, v as Msg);
  const hasSchema = has(msg, 'schema') && msg.schema !== null && msg.schema !== undefined;
  switch (name) {
    case AX_JSON: {
      const raw = msg.raw;
      if (!(raw instanceof Uint8Array) || raw.length === 0) return { handled: true, value: null };
      try {
        return { handled: true, value: JSON.parse(Buffer.from(raw).toString('utf8')) as unknown };
      } catch {
        throw new JsonRenderError('JSON raw is not valid JSON');
      }
    }
    case AX_OR_BOOL:
      return { handled: true, value: hasSchema ? schemaOf(msg.schema) : msg.allows === true };
    case AX_OR_ARRAY: {
      const list = Array.isArray(msg.jSONSchemas) ? msg.jSONSchemas : [];
      if (list.length) return { handled: true, value: list.map(schemaOf) };
      return { handled: true, value: hasSchema ? schemaOf(msg.schema) : null };
    }
    case AX_OR_STRINGS: {
      const list = Array.isArray(msg.property) ? msg.property : [];
      if (list.length) return { handled: true, value: list };
      return { handled: true, value: hasSchema ? schemaOf(msg.schema) : null };
    }
    case TIME:
    case MICRO_TIME: {
      // An empty Time on the wire is Go's zero time, which encodes as JSON null.
      if (!has(msg, 'seconds') && !has(msg, 'nanos')) return { handled: true, value: null };
      const seconds = longToNumber(msg.seconds);
      if (name === TIME) return { handled: true, value: formatTime(seconds) };
      return { handled: true, value: formatMicroTime(seconds, longToNumber(msg.nanos)) };
    }
    case INT_OR_STRING: {
      const kind = longToNumber(msg.type);
      if (kind === 1) return { handled: true, value: typeof msg.strVal === 'string' ? msg.strVal : '' };
      return { handled: true, value: longToNumber(msg.intVal) };
    }
    case QUANTITY:
      return { handled: true, value: typeof msg.string === 'string' ? msg.string : '' };
    case DURATION:
      return { handled: true, value: formatDuration(longToNumber(msg.duration)) };
    case RAW_EXTENSION: {
      const raw = msg.raw;
      if (!(raw instanceof Uint8Array) || raw.length === 0) return { handled: true, value: null };
      if (raw.length >= 4 && raw[0] === 0x6b && raw[1] === 0x38 && raw[2] === 0x73 && raw[3] === 0 && embeddedDecoder)
        return { handled: true, value: embeddedDecoder(raw) };
      try {
        return { handled: true, value: JSON.parse(Buffer.from(raw).toString('utf8')) as unknown };
      } catch {
        throw new JsonRenderError('RawExtension raw is neither JSON nor a protobuf object');
      }
    }
    case FIELDS_V1: {
      const raw = msg.Raw;
      if (!(raw instanceof Uint8Array) || raw.length === 0) return { handled: true, value: null };
      try {
        return { handled: true, value: JSON.parse(Buffer.from(raw).toString('utf8')) as unknown };
      } catch {
        throw new JsonRenderError('managedFields fieldsV1 is not valid JSON');
      }
    }
    default:
      return { handled: false };
  }
}

function renderValue(field: protobuf.Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Msg);
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? (rt.valuesById[v] ?? v) : v;
  return renderScalar(field, v);
}

const opt = (field: protobuf.Field, name: string): unknown => field.options?.[name];

/** Converts one decoded message (an instance of `type`) to its JSON form. */
export function messageToJson(type: protobuf.Type, msg: Msg): unknown {
  const special = renderSpecial(fullName(type), msg, type);
  if (special.handled) return special.value;
  if (type.options?.['(slice)']) {
    const items = msg.items;
    const field = type.fields.items;
    return Array.isArray(items) && items.length > 0 && field ? items.map((item) => renderValue(field, item)) : null;
  }

  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const always = opt(field, '(always)') === true;
    const ptr = opt(field, '(ptr)') === true;
    const name = field.name;
    const key = (opt(field, '(json)') as string | undefined) ?? name;
    const v = msg[name];
    const present = has(msg, name) && v !== null && v !== undefined;

    if (opt(field, '(inline)') === true && field.resolvedType instanceof protobuf.Type) {
      if (present || !ptr) Object.assign(out, messageToJson(field.resolvedType, present ? (v as Msg) : {}));
      continue;
    }
    if (key === '-') continue;

    if (field.map) {
      const entries = v && typeof v === 'object' ? Object.keys(v as object) : [];
      if (entries.length === 0) {
        if (always) out[key] = null;
        continue;
      }
      const m: Record<string, unknown> = {};
      for (const k of entries.sort()) m[k] = renderValue(field, (v as Record<string, unknown>)[k]);
      out[key] = m;
      continue;
    }

    if (field.repeated) {
      const arr = Array.isArray(v) ? v : [];
      if (arr.length === 0) {
        if (always) out[key] = null;
        continue;
      }
      out[key] = arr.map((item) => renderValue(field, item));
      continue;
    }

    if (field.resolvedType instanceof protobuf.Type) {
      // a struct is never empty to encoding/json: a value field renders even when absent
      if (present) out[key] = messageToJson(field.resolvedType, v as Msg);
      else if (!ptr) out[key] = messageToJson(field.resolvedType, {});
      else if (always) out[key] = null;
      continue;
    }

    if (ptr) {
      if (present) out[key] = renderValue(field, v);
      else if (always) out[key] = null;
      continue;
    }
    const value = present ? v : scalarDefault(field);
    if (always || !isZeroScalar(field, value)) out[key] = renderValue(field, value);
  }
  return out;
}
