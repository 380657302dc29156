// metav1.Status errors with upstream's reasons, codes and wording
// (staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go).
import type { Cause, ResourceDef } from '../resources/types.js';
import { qualifiedResource } from '../resources/types.js';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Cause[] | { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  /** ListMeta carried by the Status (an expired continue token's replacement) */
  metadata: Record<string, unknown> = {};
  /** a plain-text body instead of a Status (the mux's `404 page not found`) */
  plainText?: string;

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    const s: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.metadata,
      status: 'Failure',
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}), // StatusReasonUnknown ("") is omitted
    };
    // a present but empty details ({}) is kept: NewGenericServerResponse always sets one
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

type Res = Pick<ResourceDef, 'group' | 'plural'>;

function details(def: Res, name: string, extra?: Partial<StatusDetails>): StatusDetails {
  const d: StatusDetails = { name };
  if (def.group) d.group = def.group;
  d.kind = def.plural;
  return { ...d, ...extra };
}

export function notFound(def: Res, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, details(def, name));
}

export function alreadyExists(def: Res, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, details(def, name));
}

export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(def: Res, name: string, why = OPTIMISTIC_LOCK_MESSAGE): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`, details(def, name));
}

/** 422: `<Kind>[.<group>] "<name>" is invalid: <errors>` (errors.NewInvalid). */
export function invalidObject(def: Pick<ResourceDef, 'group' | 'kind'>, name: string, causes: Cause[]): StatusError {
  const qualifiedKind = def.group ? `${def.kind}.${def.group}` : def.kind;
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const agg = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const d: StatusDetails = { name };
  if (def.group) d.group = def.group;
  d.kind = def.kind;
  d.causes = causes;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${agg}`, d);
}

export function badRequest(message: string, causes?: StatusDetails['causes']): StatusError {
  return new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function forbidden(def: Res, name: string, why: string, causes?: StatusDetails['causes']): StatusError {
  const who = name ? `${qualifiedResource(def)} "${name}"` : qualifiedResource(def);
  return new StatusError(403, 'Forbidden', `${who} is forbidden: ${why}`, details(def, name, causes ? { causes } : undefined));
}

export function methodNotSupported(def: Res | undefined, action: string, message?: string): StatusError {
  const res = def ? qualifiedResource(def) : '';
  return new StatusError(405, 'MethodNotAllowed', message ?? `${action} is not supported on resources of kind "${res}"`, def ? { group: def.group || undefined, kind: def.plural } : undefined);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/**
 * A path under a served API root (/api, /apis/<served group>) that no route matches: go-restful's
 * 404 as a Status with empty details (apiserver pkg/server/handler.go serviceErrorHandler ->
 * NewGenericServerResponse). kubectl debug reads details.name to tell it from a missing pod.
 */
export function resourceNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Anything else (/foo, /apis/<unknown group>/...): the not-found handler's plain `404 page not found` (net/http NotFound). */
export function pageNotFound(): StatusError {
  const e = new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  e.plainText = '404 page not found\n';
  return e;
}

export function expired(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Gone', message);
}

export function tooLarge(limit: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function unsupportedMediaType(contentType: string, accepted: string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function notAcceptable(accepted: string[]): StatusError {
  return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function timeoutError(message: string): StatusError {
  return new StatusError(504, 'Timeout', message);
}
