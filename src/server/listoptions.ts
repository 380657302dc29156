// Integer query parameters and the option checks upstream runs before a list or a log read.
// Query parameters convert as metav1.ParameterCodec does (apimachinery pkg/runtime/conversion.go:
// the first value, strconv.ParseInt base 10, 64 bits; its error is the 400's message, apiserver
// handlers/get.go `errors.NewBadRequest(err.Error())`); the conversions are then validated
// (apimachinery pkg/apis/meta/internalversion/validation ValidateListOptions, pkg/apis/core/validation
// ValidatePodLogOptions).
import type { Cause } from '../resources/types.js';
import { badRequest, StatusError } from '../registry/errors.js';
import { forbidden, invalid, notSupported } from '../registry/validation.js';

type RawQuery = Record<string, unknown>;

function values(q: RawQuery, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64) as a number; throws Go's NumError text. */
export function parseInt64(s: string): number {
  // an optional sign, then decimal digits (underscores are only allowed with base 0)
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(n);
}

/** An int64 query parameter (its first value); undefined when absent; a 400 when it does not parse. */
export function int64Param(q: RawQuery, name: string): number | undefined {
  const v = values(q, name);
  if (!v || v.length === 0) return undefined;
  try {
    return parseInt64(v[0]);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

function invalidOptions(kind: string, name: string, group: string, causes: Cause[]): StatusError {
  const rendered = causes.map((c) => `${c.field}: ${c.message}`); // field.Error.Error(): an empty path too
  const agg = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualified} ${JSON.stringify(name)} is invalid: ${agg}`, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    kind,
    causes,
  });
}

export interface ListParams {
  limit?: number;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  continue?: string;
}

/** Decodes and validates a (non-watch) list's options: 400 for what does not convert, 422 ListOptions for the rest. */
export function listParams(q: RawQuery): ListParams {
  const last = (k: string) => values(q, k)?.[0];
  const limit = int64Param(q, 'limit');
  const timeout = int64Param(q, 'timeoutSeconds');
  void timeout;
  const resourceVersion = last('resourceVersion') ?? '';
  const match = last('resourceVersionMatch') ?? '';
  const cont = last('continue') ?? '';
  const causes: Cause[] = [];
  if (match) {
    if (!resourceVersion) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (cont) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && resourceVersion === '0')
      causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (q.sendInitialEvents !== undefined) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  if (causes.length) throw invalidOptions('ListOptions', '', 'meta.k8s.io', causes);
  return { limit, resourceVersion: resourceVersion || undefined, resourceVersionMatch: match || undefined, continue: cont || undefined };
}

export interface LogParams {
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  sinceTime?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** pods/log options: converted (400) then ValidatePodLogOptions (422 PodLogOptions "<pod>"). */
export function logParams(q: RawQuery, pod: string): LogParams {
  const tailLines = int64Param(q, 'tailLines');
  const limitBytes = int64Param(q, 'limitBytes');
  const sinceSeconds = int64Param(q, 'sinceSeconds');
  const sinceTime = values(q, 'sinceTime')?.[0];
  if (sinceTime !== undefined && sinceTime !== '' && !RFC3339.test(sinceTime))
    throw badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
  const causes: Cause[] = [];
  if (tailLines !== undefined && tailLines < 0) causes.push(invalid('tailLines', tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1) causes.push(invalid('limitBytes', limitBytes, 'must be greater than 0'));
  const hasSinceTime = sinceTime !== undefined && sinceTime !== '';
  if (sinceSeconds !== undefined && hasSinceTime) causes.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (sinceSeconds !== undefined && sinceSeconds < 1) causes.push(invalid('sinceSeconds', sinceSeconds, 'must be greater than 0'));
  if (causes.length) throw invalidOptions('PodLogOptions', pod, '', causes);
  return { tailLines, limitBytes, sinceSeconds, sinceTime: hasSinceTime ? sinceTime : undefined };
}
