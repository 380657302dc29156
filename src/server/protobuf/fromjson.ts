// The inverse of ./tojson.ts: a JSON object as the API carries it, written as the protobuf bytes
// of its message, the way the Go types marshal (k8s.io/api generated.pb.go, gogo-protobuf):
// fields in field-number order, every value (non-pointer) field written even when zero, pointer
// fields only when set, map entries sorted by key, repeated fields unpacked.
import protobuf from 'protobufjs';
import { parseDuration } from './duration.js';

type Json = unknown;
type Obj = Record<string, unknown>;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const DURATION = `${META}.Duration`;
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
// apiextensions.k8s.io/v1's own JSON forms (apiextensions-apiserver pkg/apis/apiextensions/v1/marshal.go)
const APIEXT = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
const AX_JSON = `${APIEXT}.JSON`;
const AX_OR_BOOL = `${APIEXT}.JSONSchemaPropsOrBool`;
const AX_OR_ARRAY = `${APIEXT}.JSONSchemaPropsOrArray`;
const AX_OR_STRINGS = `${APIEXT}.JSONSchemaPropsOrStringArray`;

/** Raised when a JSON value cannot be written as its protobuf field. */
export class ProtobufEncodeError extends Error {}

const WIRE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
};

const sortedFields = new WeakMap<protobuf.Type, protobuf.Field[]>();
function fieldsInOrder(type: protobuf.Type): protobuf.Field[] {
  let f = sortedFields.get(type);
  if (!f) sortedFields.set(type, (f = [...type.fieldsArray].sort((a, b) => a.id - b.id)));
  return f;
}

const opt = (field: protobuf.Field, name: string): unknown => field.options?.[name];
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
// protobufjs builds fullName by walking the parents on every read: once per type is enough
const names = new WeakMap<protobuf.Type, string>();
function fullName(type: protobuf.Type): string {
  let n = names.get(type);
  if (n === undefined) names.set(type, (n = type.fullName.replace(/^\./, '')));
  return n;
}

/** RFC3339 (with optional fraction) -> seconds and nanoseconds since the epoch. */
function parseTime(v: Json): { seconds: number; nanos: number } | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ProtobufEncodeError(`invalid time ${JSON.stringify(v)}`);
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  const nanos = Number(frac.padEnd(9, '0').slice(0, 9));
  return { seconds: Math.floor(ms / 1000), nanos };
}

function writeScalar(w: protobuf.Writer, type: string, v: Json): void {
  switch (type) {
    case 'string':
      w.string(typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
      return;
    case 'bool':
      w.bool(v === true);
      return;
    case 'bytes':
      w.bytes(typeof v === 'string' ? Buffer.from(v, 'base64') : v instanceof Uint8Array ? v : new Uint8Array(0));
      return;
    case 'double':
      w.double(Number(v ?? 0));
      return;
    case 'float':
      w.float(Number(v ?? 0));
      return;
    default: {
      const n = typeof v === 'number' || typeof v === 'string' ? v : 0;
      (w as unknown as Record<string, (x: unknown) => void>)[type]!.call(w, typeof n === 'string' && !/^-?\d+$/.test(n) ? 0 : n);
    }
  }
}

/** The special JSON forms; true when `type` is one of them and `v` was written. */
function writeSpecial(w: protobuf.Writer, type: protobuf.Type, v: Json): boolean {
  switch (fullName(type)) {
    case TIME:
    case MICRO_TIME: {
      const t = parseTime(v);
      if (t) w.uint32(8).int64(t.seconds).uint32(16).int32(fullName(type) === TIME ? 0 : Math.floor(t.nanos / 1000) * 1000);
      return true;
    }
    case INT_OR_STRING:
      if (typeof v === 'string') w.uint32(8).int64(1).uint32(16).int32(0).uint32(26).string(v);
      else w.uint32(8).int64(0).uint32(16).int32(typeof v === 'number' ? v : 0).uint32(26).string('');
      return true;
    case QUANTITY:
      w.uint32(10).string(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '0');
      return true;
    case FIELDS_V1:
    case RAW_EXTENSION:
      if (v !== undefined && v !== null) w.uint32(10).bytes(Buffer.from(JSON.stringify(v)));
      return true;
    case DURATION:
      w.uint32(8).int64(typeof v === 'string' ? parseDuration(v) : 0);
      return true;
    case AX_JSON:
      // a JSON null is no raw bytes (v1.JSON UnmarshalJSON)
      if (v !== undefined && v !== null) w.uint32(10).bytes(Buffer.from(JSON.stringify(v)));
      return true;
    case AX_OR_BOOL:
      // {allows, schema}: true, false, or a schema (which allows)
      w.uint32(8).bool(v === true || isObj(v));
      if (isObj(v)) writeValue(w, type.fields.schema!, v);
      return true;
    case AX_OR_ARRAY:
      if (Array.isArray(v)) for (const item of v) writeValue(w, type.fields.jSONSchemas!, item);
      else if (isObj(v)) writeValue(w, type.fields.schema!, v);
      return true;
    case AX_OR_STRINGS:
      if (Array.isArray(v)) for (const item of v) writeValue(w, type.fields.property!, item);
      else if (isObj(v)) writeValue(w, type.fields.schema!, v);
      return true;
    default:
      if (type.options?.['(slice)'] && type.fields.items) {
        if (Array.isArray(v)) for (const item of v) writeField(w, type.fields.items, item);
        return true;
      }
      return false;
  }
}

function writeValue(w: protobuf.Writer, field: protobuf.Field, v: Json): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    w.uint32((field.id << 3) | 2).fork();
    writeMessage(w, rt, v);
    w.ldelim();
    return;
  }
  w.uint32((field.id << 3) | (WIRE[field.type] ?? 0));
  writeScalar(w, field.type, v);
}

function writeField(w: protobuf.Writer, field: protobuf.Field, v: Json): void {
  writeValue(w, field, v);
}

function writeMapEntry(w: protobuf.Writer, field: protobuf.MapField, key: string, v: Json): void {
  w.uint32((field.id << 3) | 2).fork();
  w.uint32(10).string(key);
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    w.uint32(18).fork();
    writeMessage(w, rt, v);
    w.ldelim();
  } else if (!(field.type === 'bytes' && (v === null || v === undefined))) {
    w.uint32((2 << 3) | (WIRE[field.type] ?? 0));
    writeScalar(w, field.type, v);
  }
  w.ldelim();
}

/** Writes the fields of `v` (a JSON object, or absent: the Go zero value) as message `type`. */
export function writeMessage(w: protobuf.Writer, type: protobuf.Type, v: Json): void {
  if (writeSpecial(w, type, v)) return;
  const obj = isObj(v) ? v : {};
  for (const field of fieldsInOrder(type)) {
    const ptr = opt(field, '(ptr)') === true;
    const inline = opt(field, '(inline)') === true;
    const key = (opt(field, '(json)') as string | undefined) ?? field.name;
    const value = inline ? obj : key === '-' ? undefined : obj[key];
    const absent = value === undefined || value === null;
    if (field.map) {
      if (!isObj(value)) continue;
      for (const k of Object.keys(value).sort()) writeMapEntry(w, field as unknown as protobuf.MapField, k, value[k]);
      continue;
    }
    if (field.repeated) {
      if (Array.isArray(value)) for (const item of value) writeValue(w, field, item);
      continue;
    }
    if (absent && (ptr || field.type === 'bytes')) continue;
    writeValue(w, field, value);
  }
}

/** The protobuf bytes of one JSON object as message `type`. */
export function jsonToMessage(type: protobuf.Type, v: Json): Uint8Array {
  const w = protobuf.Writer.create();
  writeMessage(w, type, v);
  return w.finish();
}
