// Errors raised while applying a strategic merge patch, worded as upstream's
// k8s.io/apimachinery/pkg/util/mergepatch/errors.go and strategicpatch/errors.go, plus the Go
// `%v` / type-name rendering those messages embed (maps print as `map[k:v ...]` with sorted keys).

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

/** Go's fmt `%v` of a decoded JSON value. */
export function goFmt(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goFmt).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((k) => `${k}:${goFmt(o[k])}`).join(' ')}]`;
  }
  return String(v);
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
