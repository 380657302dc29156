// Errors raised while applying a strategic merge patch, worded as upstream's
// k8s.io/apimachinery/pkg/util/mergepatch/errors.go and strategicpatch/errors.go, plus the Go
// `%v` / type-name rendering those messages embed (maps print as `map[k:v ...]` with sorted keys).
import { stringifyJSON } from '../util/json.js';
import { goValue } from './deep.js';
import { StatusError } from '../registry/errors.js';
import { base64ErrorOffset } from '../schema/base64.js';
import { childNode, elementNode, schemaNode, type SchemaNode } from '../schema/model.js';
import { goQuote } from '../util/goquote.js';

/** metav1.Status-shaped body the API server answers a failed strategic merge patch with. */
export interface StrategicMergePatchStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
  code: number;
}

/**
 * A malformed patch. `code` is the HTTP status kube-apiserver answers with
 * (k8s.io/apiserver/pkg/endpoints/handlers/patch.go interpretStrategicMergePatchError):
 * 400 BadRequest for the bad-format sentinels, 422 for lists of lists, and 500 (reason unknown,
 * message = the error text) for every other merge error, which upstream passes through unconverted.
 */
export class StrategicMergePatchError extends Error {
  readonly code: 400 | 422 | 500;
  constructor(message: string, code: 400 | 422 | 500 = 500) {
    super(message);
    this.name = 'StrategicMergePatchError';
    this.code = code;
  }

  /** The Status body upstream sends for this error. */
  toStatus(): StrategicMergePatchStatus {
    const base = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' } as const;
    if (this.code === 400) return { ...base, message: this.message, reason: 'BadRequest', code: 400 };
    if (this.code === 422) {
      // errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false): the generic message
      // only (no causes: upstream drops the merge error's text)
      return { ...base, message: 'the server rejected our request due to an error in our request', reason: 'Invalid', code: 422 };
    }
    return { ...base, message: this.message, code: 500 };
  }
}

// mergepatch sentinels
export const errBadJSONDoc = () => new StrategicMergePatchError('invalid JSON document', 400);
export const errNoListOfLists = () => new StrategicMergePatchError('lists of lists are not supported', 422);
export const errBadPatchFormatForPrimitiveList = () =>
  new StrategicMergePatchError('invalid patch format of primitive list', 400);
export const errBadPatchFormatForRetainKeys = () => new StrategicMergePatchError('invalid patch format of retainKeys', 400);
export const errBadPatchFormatForSetElementOrderList = () =>
  new StrategicMergePatchError('invalid patch format of setElementOrder list', 400);

export const errNoMergeKey = (m: unknown, key: string) =>
  new StrategicMergePatchError(`map: ${goFmt(m)} does not contain declared merge key: ${key}`);

/** mergepatch.ErrBadArgType(expected, actual): `expected` is a Go type name. */
export const errBadArgType = (expected: string, actual: unknown) =>
  new StrategicMergePatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`);

export const errBadPatchType = (t: unknown, m: unknown) =>
  new StrategicMergePatchError(`unknown patch type: ${goFmtS(t)} in map: ${goFmt(m)}`);

/** strategicpatch.FieldNotFoundError as forkedjson.LookupPatchMetadataForStruct words it. */
export const errFieldNotFound = (struct: string, field: string) =>
  new StrategicMergePatchError(`unable to find api field in struct ${struct} for the json field ${JSON.stringify(field)}`);

export const MAP_TYPE = 'map[string]interface {}';
export const SLICE_TYPE = '[]interface {}';

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The Go type a JSON value decodes to (k8s.io/apimachinery/pkg/util/json: integers become int64). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return SLICE_TYPE;
  if (typeof v === 'object') return MAP_TYPE;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

/** reflect.TypeOf identity used for "same type" checks: null is its own (nil) type. */
export function goType(v: unknown): string {
  return v === null || v === undefined ? 'nil' : goTypeName(v);
}

function goFloat(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs < 1e-4 || abs >= 1e21) {
    const [m, e] = n.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${m}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
  }
  return String(n);
}

/** Go's fmt `%v` of a decoded JSON value (floats as Go prints them), at any depth. */
export function goFmt(v: unknown): string {
  return goValue(v, (x) => (typeof x === 'number' ? goFloat(x) : String(x)));
}

/** Go's fmt `%s` of a value: strings as-is, others as `%!s(type=value)`. */
export function goFmtS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return `[${v.map(goFmtS).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goFmtS(o[k])}`)
      .join(' ')}]`;
  }
  return `%!s(${goTypeName(v)}=${goFmt(v)})`;
}

// ---- the patched map back into the Go type ------------------------------------------------------
// After a strategic merge the patched map is converted straight into the Go struct
// (apiserver handlers/patch.go applyPatchToObject: runtime.DefaultUnstructuredConverter
// .FromUnstructuredWithValidation); a value of the wrong type fails there, worded by apimachinery
// pkg/runtime/converter.go fromUnstructured (or by the custom UnmarshalJSON of Quantity,
// IntOrString and Time), and the request fails with 422 ` "" is invalid: patch: Invalid value:
// "<the patch as %+v>": <error>`.

/** reflect.Kind of a decoded JSON value. */
function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int64' : 'float64';
}

/** encoding/json's name of a JSON value in an UnmarshalTypeError. */
function jsonValueName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return `number ${goFmt(v)}`;
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_SUFFIX = /^(|[numkMGTPE]|[KMGTPE]i|[eE][-+]?[0-9]+)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const INT_RANGE: Record<string, [number, number]> = { int32: [-2147483648, 2147483647], int64: [-(2 ** 63), 2 ** 63 - 1] };

/** Custom UnmarshalJSON (the value is marshalled to JSON first): Quantity, IntOrString, Time. */
function specialError(special: string, v: unknown): string | undefined {
  if (special === 'quantity') {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    const m = QUANTITY.exec(s.trim());
    if (!m) return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    return QUANTITY_SUFFIX.test(m[2]) ? undefined : "unable to parse quantity's suffix";
  }
  if (special === 'int-or-string') {
    if (typeof v === 'string') return undefined;
    const [lo, hi] = INT_RANGE.int32;
    if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return undefined;
    return `json: cannot unmarshal ${typeof v === 'number' ? jsonValueName(v) : jsonValueName(v).split(' ')[0]} into Go value of type int32`;
  }
  // metav1.Time / MicroTime
  if (typeof v !== 'string') return `json: cannot unmarshal ${jsonValueName(v).split(' ')[0]} into Go value of type string`;
  if (!RFC3339.test(v)) return `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`;
  return undefined;
}

function scalarError(node: SchemaNode, v: unknown): string | undefined {
  const st = goKind(v);
  const dt = goTypeOf(node);
  if (node.format === 'byte') {
    if (st === 'string') {
      const bad = base64ErrorOffset(v as string);
      return bad >= 0 ? `error decoding from json: illegal base64 data at input byte ${bad}` : undefined;
    }
    return st === 'slice' ? undefined : `cannot restore slice from ${st}`;
  }
  const dKind = dt === 'int32' || dt === 'int64' ? 'int' : dt === 'float64' ? 'float' : dt;
  if (st === 'string') return dKind === 'string' ? undefined : `unrecognized type: ${dt}`;
  if (st === 'bool') return dKind === 'bool' ? undefined : `unrecognized type: ${dt}`;
  if (st === 'int64') {
    if (dKind === 'int' || dKind === 'float') return undefined;
    // Go converts integers to strings (a rune), so this is the "cannot convert" branch
    return dKind === 'string' ? `cannot convert int64 to ${dt}` : `unrecognized type: ${dt}`;
  }
  if (st === 'float64') {
    if (dKind === 'float' || (dKind === 'int' && Number.isInteger(v))) return undefined;
    return dKind === 'int' ? `cannot convert float64 to ${dt}` : `unrecognized type: ${dt}`;
  }
  return `unrecognized type: ${dt}`; // a map or a slice into a scalar field
}

/** The Go type name of a scalar schema node (int32, int64, float64, bool, string). */
function goTypeOf(node: SchemaNode): string {
  if (node.type === 'integer') return node.format === 'int32' ? 'int32' : 'int64';
  if (node.type === 'number') return 'float64';
  if (node.type === 'boolean') return 'bool';
  return 'string';
}

function convertError(node: SchemaNode | undefined, v: unknown): string | undefined {
  if (v === null || v === undefined || !node || node.kind === 'any') return undefined;
  if (node.special) return specialError(node.special, v);
  switch (node.kind) {
    case 'scalar':
      return scalarError(node, v);
    case 'map': {
      if (!isMap(v)) return `cannot restore map from ${goKind(v)}`;
      const elem = elementNode(node);
      for (const k of Object.keys(v)) {
        const e = convertError(elem, v[k]);
        if (e) return e;
      }
      return undefined;
    }
    case 'list': {
      if (!Array.isArray(v)) return `cannot restore slice from ${goKind(v)}`;
      const elem = elementNode(node);
      for (const item of v) {
        const e = convertError(elem, item);
        if (e) return e;
      }
      return undefined;
    }
    case 'struct': {
      if (!isMap(v)) return `cannot restore struct from: ${goKind(v)}`;
      for (const k of Object.keys(v)) {
        const child = childNode(node, k);
        const e = child && convertError(child, v[k]);
        if (e) return e;
      }
      return undefined;
    }
  }
  return undefined;
}

/** fromUnstructured's error for a patched object of a definition, or undefined when it converts. */
export function fromUnstructuredError(definition: string, obj: unknown): string | undefined {
  return convertError(schemaNode(definition), obj);
}

/** The 422 a strategic merge patch whose result does not convert gets (applyPatchToObject). */
export function patchConversionError(patch: unknown, message: string): StatusError {
  const cause = { reason: 'FieldValueInvalid', message: `Invalid value: ${goQuote(goFmt(patch))}: ${message}`, field: 'patch' };
  return new StatusError(422, 'Invalid', ` "" is invalid: patch: ${cause.message}`, { causes: [cause] });
}

// ---- JSON and merge patches ---------------------------------------------------------------------
// A JSON or merge patch is applied to the encoded object and the result decoded into the Go type
// (apiserver handlers/patch.go jsonPatcher.applyPatchToCurrentObject): a value the JSON decoder
// refuses is a 422 ` "" is invalid: patch: Invalid value: "<the patched JSON>": <decoder error>`.

/** The patched document as json-patch's json.Marshal writes it: top-level keys sorted, HTML-escaped. */
function goPatchedJSON(obj: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) sorted[k] = obj[k];
  return stringifyJSON(sorted).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function patchedDecodeError(patched: Record<string, unknown>, message: string): StatusError {
  const cause = { reason: 'FieldValueInvalid', message: `Invalid value: ${goQuote(goPatchedJSON(patched))}: ${message}`, field: 'patch' };
  return new StatusError(422, 'Invalid', ` "" is invalid: patch: ${cause.message}`, { causes: [cause] });
}
