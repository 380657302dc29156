// Renders a decoded protobufjs message as the JSON the Kubernetes API would
// produce for the same Go object (encoding/json semantics: `omitempty`,
// nil slices as null, []byte as base64, map keys sorted, metav1.Time as
// RFC3339 seconds, IntOrString as number or string, Quantity as string).
import protobuf from 'protobufjs';

type Msg = Record<string, unknown>;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';

/** Raised by the renderer when message content cannot be turned into JSON. */
export class JsonRenderError extends Error {}

function fullName(type: protobuf.Type): string {
  return type.fullName.replace(/^\./, '');
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

function renderSpecial(name: string, msg: Msg): { handled: boolean; value?: unknown } {
  switch (name) {
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
      // authorization/v1 and authentication/v1 ExtraValue are plain []string in Go.
      if (name.endsWith('.ExtraValue')) {
        const items = msg.items;
        return { handled: true, value: Array.isArray(items) && items.length > 0 ? [...items] : null };
      }
      return { handled: false };
  }
}

function renderValue(field: protobuf.Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Msg);
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? (rt.valuesById[v] ?? v) : v;
  return renderScalar(field, v);
}

/** Converts one decoded message (an instance of `type`) to its JSON form. */
export function messageToJson(type: protobuf.Type, msg: Msg): unknown {
  const special = renderSpecial(fullName(type), msg);
  if (special.handled) return special.value;

  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const opts = field.options ?? {};
    const always = opts['(always)'] === true;
    const ptr = opts['(ptr)'] === true;
    const name = field.name;
    const v = msg[name];

    if (field.map) {
      const entries = v && typeof v === 'object' ? Object.keys(v as object) : [];
      if (entries.length === 0) {
        if (always) out[name] = null;
        continue;
      }
      const m: Record<string, unknown> = {};
      for (const k of entries.sort()) m[k] = renderValue(field, (v as Record<string, unknown>)[k]);
      out[name] = m;
      continue;
    }

    if (field.repeated) {
      const arr = Array.isArray(v) ? v : [];
      if (arr.length === 0) {
        if (always) out[name] = null;
        continue;
      }
      out[name] = arr.map((item) => renderValue(field, item));
      continue;
    }

    if (field.resolvedType instanceof protobuf.Type) {
      if (!has(msg, name) || v === null || v === undefined) continue;
      out[name] = messageToJson(field.resolvedType, v as Msg);
      continue;
    }

    const present = has(msg, name) && v !== null && v !== undefined;
    if (ptr) {
      if (present) out[name] = renderValue(field, v);
      continue;
    }
    const value = present ? v : scalarDefault(field);
    if (always || !isZeroScalar(field, value)) out[name] = renderValue(field, value);
  }
  return out;
}
