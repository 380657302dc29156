// meta.k8s.io/v1 DeleteOptions as a TypeBox schema: a DELETE body of the wrong shape is refused
// the way decoding into the Go struct refuses it (400), before anything is deleted.
import type { Static } from '@sinclair/typebox';
import { lazy, typeboxLib, typeboxValue } from '../util/lazy.js';
import { badRequest } from '../registry/errors.js';
import type { DeleteOptions } from '../registry/registry.js';

// built on the first DELETE with a body: TypeBox costs ~60 ms to load, which start-up does not pay
const buildSchema = () => {
  const { Type } = typeboxLib();
  const Preconditions = Type.Object({
    uid: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    resourceVersion: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  });
  return Type.Object({
    kind: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String()),
    gracePeriodSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    preconditions: Type.Optional(Type.Union([Preconditions, Type.Null()])),
    orphanDependents: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    propagationPolicy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    dryRun: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    ignoreStoreReadErrorWithClusterBreakingPotential: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  });
};
export const deleteOptionsSchema: () => ReturnType<typeof buildSchema> = lazy(buildSchema);
export type DeleteOptionsBody = Static<ReturnType<typeof buildSchema>>;

const GO_TYPES: Record<string, string> = {
  gracePeriodSeconds: 'int64',
  orphanDependents: 'bool',
  propagationPolicy: 'v1.DeletionPropagation',
  dryRun: '[]string',
  preconditions: 'v1.Preconditions',
  ignoreStoreReadErrorWithClusterBreakingPotential: 'bool',
};

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Checks a decoded DELETE body; returns the options the registry takes. */
export function decodeDeleteOptions(body: unknown): DeleteOptions {
  const { Value } = typeboxValue();
  const schema = deleteOptionsSchema();
  if (!Value.Check(schema, body)) {
    const first = [...Value.Errors(schema, body)][0];
    const field = first?.path.split('/').filter(Boolean)[0] ?? '';
    const value = field ? (body as Record<string, unknown>)[field] : body;
    throw badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go struct field DeleteOptions.${field} of type ${GO_TYPES[field] ?? 'string'}`);
  }
  const b = body as DeleteOptionsBody;
  const opts: DeleteOptions = {};
  if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) opts.gracePeriodSeconds = b.gracePeriodSeconds;
  if (b.propagationPolicy) opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
  if (b.orphanDependents !== undefined && b.orphanDependents !== null) opts.orphanDependents = b.orphanDependents;
  if (b.preconditions) opts.preconditions = { uid: b.preconditions.uid ?? undefined, resourceVersion: b.preconditions.resourceVersion ?? undefined };
  if (b.dryRun) {
    for (const d of b.dryRun) if (d !== 'All') throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
    opts.dryRun = b.dryRun.includes('All');
  }
  return opts;
}
