// Field validation of a decoded JSON object against the schema model, imitating what
// kube-apiserver's strict JSON decoding reports for built-in kinds:
// - unknown fields as sigs.k8s.io/json's strict errors name them (`unknown field "spec.foo"`:
//   struct keys joined with '.', list indices as `[i]`, map keys as `.key`;
//   sigs.k8s.io/json internal/golang/encoding/json/decode.go + kubernetes_patch.go);
// - wrong JSON types as encoding/json's UnmarshalTypeError
//   (`json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32`:
//   the struct is the Go type holding the field, the path is the chain of JSON field names
//   without indices or map keys).
import type { Cause } from '../resources/types.js';
import { childNode, elementNode, schemaNode, type SchemaNode } from './model.js';
import { base64ErrorOffset } from './base64.js';
import { stringifyJSON } from '../util/json.js';

export interface FieldCheck {
  /** unknown field paths, e.g. `spec.template.spec.containers[0].imagee` (message: `unknown field "<path>"`) */
  unknown: string[];
  /**
   * type mismatches, reason `FieldValueTypeInvalid`, message as Go's JSON decoder words it.
   * Upstream stops at the first one and answers 400 BadRequest with
   * `<Kind> in version "<version>" cannot be handled as a <Kind>: <message>` (see decodeErrorMessage).
   */
  causes: Cause[];
}

interface Ctx {
  unknown: string[];
  causes: Cause[];
  prune: boolean;
}

/** A position in the walk, linked to its parent: the path strings are only built for a report. */
interface Pos {
  up: Pos | undefined;
  seg: string; // a field or map key, or a list index
  index: boolean;
  goField: string | undefined; // set when this step is a struct field
  goStruct: string; // Go type name of the struct holding the last field
}

/** The strict-decoding path: struct keys and map keys joined with '.', list indices as `[i]`. */
function pathOf(p: Pos): string {
  const steps: Pos[] = [];
  for (let q: Pos | undefined = p; q?.up; q = q.up) steps.push(q);
  let out = '';
  for (let i = steps.length - 1; i >= 0; i--) {
    const q = steps[i]!;
    out = q.index ? `${out}[${q.seg}]` : out ? `${out}.${q.seg}` : q.seg;
  }
  return out;
}

/** JSON names of the struct fields passed through. */
function goFieldsOf(p: Pos): string[] {
  const out: string[] = [];
  for (let q: Pos | undefined = p; q; q = q.up) if (q.goField !== undefined) out.push(q.goField);
  return out.reverse();
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_SUFFIX = /^(|[numkMGTPE]|[KMGTPE]i|[eE][-+]?[0-9]+)$/;
const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const INT_RANGE: Record<string, [number, number]> = { int32: [-2147483648, 2147483647], int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

/** Go's name for a JSON value's kind in UnmarshalTypeError. */
export function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** `v1.PodSpec`, `resource.Quantity`: Go's package-qualified type name of a definition. */
function goNamed(definition: string): string {
  const parts = definition.split('.');
  return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
}

/** The Go type the decoder would be filling at this node. */
export function goType(node: SchemaNode | undefined): string {
  if (!node) return 'interface {}';
  if (node.special === 'int-or-string') return 'int32';
  if (node.special === 'time') return 'string';
  if (node.kind === 'struct' || node.special) return node.definition ? goNamed(node.definition) : 'struct';
  if (node.kind === 'list') return '[]' + goType(elementNode(node));
  if (node.kind === 'map') return 'map[string]' + goType(elementNode(node));
  if (node.kind === 'scalar') {
    if (node.type === 'integer') return node.format ?? 'int64';
    if (node.type === 'number') return 'float64';
    if (node.type === 'boolean') return 'bool';
    if (node.format === 'byte') return '[]uint8';
    return 'string';
  }
  return 'interface {}';
}

function typeError(ctx: Ctx, pos: Pos, value: string, node: SchemaNode): void {
  const goFields = goFieldsOf(pos);
  const into = goFields.length ? `Go struct field ${pos.goStruct}.${goFields.join('.')}` : 'Go value';
  ctx.causes.push({ reason: 'FieldValueTypeInvalid', field: pathOf(pos), message: `json: cannot unmarshal ${value} into ${into} of type ${goType(node)}` });
}

function plainError(ctx: Ctx, pos: Pos, message: string): void {
  ctx.causes.push({ reason: 'FieldValueTypeInvalid', field: pathOf(pos), message });
}

function checkScalar(ctx: Ctx, pos: Pos, node: SchemaNode, v: unknown): void {
  switch (node.special) {
    case 'quantity': {
      if (typeof v === 'number') return;
      const s = typeof v === 'string' ? v : stringifyJSON(v);
      const m = QUANTITY.exec(s.trim());
      if (!m || !QUANTITY_SUFFIX.test(m[2])) plainError(ctx, pos, m ? "unable to parse quantity's suffix" : QUANTITY_MSG);
      return;
    }
    case 'int-or-string':
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return;
      return typeError(ctx, pos, typeof v === 'number' ? `number ${v}` : jsonKind(v), node);
    case 'time':
      if (typeof v !== 'string') return typeError(ctx, pos, jsonKind(v), node);
      if (v !== '' && !RFC3339.test(v))
        plainError(ctx, pos, `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
      return;
  }
  if (node.type === 'integer') {
    if (typeof v !== 'number') return typeError(ctx, pos, jsonKind(v), node);
    const [lo, hi] = INT_RANGE[node.format ?? 'int64'] ?? INT_RANGE.int64;
    if (!Number.isInteger(v) || v < lo || v > hi) typeError(ctx, pos, `number ${v}`, node);
  } else if (node.type === 'number') {
    if (typeof v !== 'number') typeError(ctx, pos, jsonKind(v), node);
  } else if (node.type === 'boolean') {
    if (typeof v !== 'boolean') typeError(ctx, pos, jsonKind(v), node);
  } else if (node.type === 'string') {
    if (typeof v !== 'string') return typeError(ctx, pos, jsonKind(v), node);
    if (node.format === 'byte') {
      const bad = base64ErrorOffset(v);
      if (bad >= 0) plainError(ctx, pos, `illegal base64 data at input byte ${bad}`);
    }
  }
}

const JSON_SCHEMA_PROPS_OR_BOOL = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool';

/** One node of the walk. Iterative (a CRD's schemas nest as deep as a body may), depth-first in document order. */
function walk(ctx: Ctx, rootNode: SchemaNode, rootValue: unknown, rootPos: Pos, rootTop = false): void {
  const stack: Step[] = [[rootNode, rootValue, rootPos, rootTop]];
  while (stack.length) {
    const step = stack.pop()!;
    // an unknown field is reported in document order, after the subtrees of the fields before it
    if (typeof step === 'string') {
      ctx.unknown.push(step);
      continue;
    }
    const next: Step[] = [];
    visit(ctx, step[0], step[1], step[2], step[3], next);
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
}

/** A node to visit, or the path of an unknown field to report. */
type Step = [SchemaNode, unknown, Pos, boolean] | string;

function visit(ctx: Ctx, node: SchemaNode, v: unknown, pos: Pos, top: boolean, next: Step[]): void {
  if (v === null || v === undefined) return; // null is accepted for every Go field
  // a CRD schema's additionalProperties / additionalItems: its UnmarshalJSON takes a bool or a schema
  // (apiextensions-apiserver pkg/apis/apiextensions/v1/marshal.go)
  if (node.definition === JSON_SCHEMA_PROPS_OR_BOOL && typeof v !== 'boolean' && (typeof v !== 'object' || Array.isArray(v)))
    return plainError(ctx, pos, 'boolean or JSON schema expected');
  if (node.kind === 'any') return;
  if (node.kind === 'scalar') return checkScalar(ctx, pos, node, v);
  if (node.kind === 'list') {
    if (!Array.isArray(v)) return typeError(ctx, pos, jsonKind(v), node);
    const elem = elementNode(node)!;
    for (let i = 0; i < v.length; i++) next.push([elem, v[i], { up: pos, seg: String(i), index: true, goField: undefined, goStruct: pos.goStruct }, false]);
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return typeError(ctx, pos, jsonKind(v), node);
  const obj = v as Record<string, unknown>;
  if (node.kind === 'map') {
    const elem = elementNode(node)!;
    for (const key of Object.keys(obj)) next.push([elem, obj[key], { up: pos, seg: key, index: false, goField: undefined, goStruct: pos.goStruct }, false]);
    return;
  }
  const goStruct = node.definition ? node.definition.slice(node.definition.lastIndexOf('.') + 1) : pos.goStruct;
  for (const key of Object.keys(obj)) {
    const child = childNode(node, key);
    if (!child) {
      if (top && (key === 'apiVersion' || key === 'kind')) continue;
      next.push(pathOf({ up: pos, seg: key, index: false, goField: undefined, goStruct }));
      if (ctx.prune) delete obj[key];
      continue;
    }
    next.push([child, obj[key], { up: pos, seg: key, index: false, goField: key, goStruct }, false]);
  }
}

function run(definition: string, obj: unknown, prune: boolean): Ctx {
  const ctx: Ctx = { unknown: [], causes: [], prune };
  const node = schemaNode(definition);
  if (!node) throw new Error(`unknown schema definition ${definition}`);
  walk(ctx, node, obj, { up: undefined, seg: '', index: false, goField: undefined, goStruct: '' }, true);
  return ctx;
}

/** Check obj against a definition: unknown fields and JSON type mismatches (obj is not changed). */
export function checkFields(definition: string, obj: unknown): FieldCheck {
  const { unknown, causes } = run(definition, obj, false);
  return { unknown, causes };
}

/** Remove unknown fields in place (fieldValidation=Ignore/Warn); returns their paths. */
export function pruneUnknown(definition: string, obj: unknown): string[] {
  return run(definition, obj, true).unknown;
}

/** `unknown field "spec.foo"` / `duplicate field "metadata.name"`: the strict-decoding wording of one path. */
export function unknownFieldMessage(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

export function duplicateFieldMessage(path: string): string {
  return `duplicate field ${JSON.stringify(path)}`;
}

/**
 * The message of upstream's strict decoding error for a list of unknown/duplicate messages
 * (apimachinery runtime.NewStrictDecodingError): `strict decoding error: unknown field "a", unknown field "b"`.
 */
export function strictDecodingMessage(messages: string[]): string {
  return `strict decoding error: ${messages.join(', ')}`;
}

/** The 400 BadRequest message upstream gives for a body it cannot decode (handlers transformDecodeError). */
export function decodeErrorMessage(kind: string, version: string, detail: string): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${detail}`;
}
