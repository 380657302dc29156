// Null elements and null fields as upstream's decoder leaves them. Built-in kinds are decoded by
// encoding/json into Go structs (apimachinery pkg/runtime/serializer/json), so before any
// defaulting or validation:
// - a null struct field is just absent (nil pointer / zero value, omitted again on output), but for
//   lists and Times, which Go may write back as null;
// - a null element of a list, or a null value in a map, is the zero value of the element type
//   (`{}` for a struct, "" for a string, 0 for a number, false for a boolean, "0" for a Quantity),
//   which validation then refuses where the zero value is invalid (a ServicePort with port 0);
// - what the schema leaves open (RawExtension, preserve-unknown-fields) keeps its nulls.
// The walk is iterative (bodies may nest thousands of levels) and skipped when the object holds no
// null at all, which a plain scan finds cheaply.
import { childNode, elementNode, schemaNode, type SchemaNode } from '../schema/model.js';

/** Whether any value under v is null (iterative; stops at the first). */
export function containsNull(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length) {
    const cur = stack.pop();
    if (cur === null) return true;
    if (typeof cur !== 'object' || cur === undefined) continue;
    if (Array.isArray(cur)) {
      for (let i = 0; i < cur.length; i++) {
        const x = cur[i];
        if (x === null) return true;
        if (typeof x === 'object') stack.push(x);
      }
    } else {
      for (const k in cur as Record<string, unknown>) {
        const x = (cur as Record<string, unknown>)[k];
        if (x === null) return true;
        if (typeof x === 'object') stack.push(x);
      }
    }
  }
  return false;
}

/**
 * The JSON of a Go zero value of the element type at `node`, after a round trip through the Go type;
 * `null` where Go keeps a nil (interface{}, Time, RawExtension).
 */
export function zeroValue(node: SchemaNode | undefined): unknown {
  if (!node) return null;
  switch (node.kind) {
    case 'struct':
    case 'map':
      return {};
    case 'list':
      return [];
    case 'scalar':
      if (node.special === 'quantity') return '0';
      if (node.special === 'int-or-string') return 0;
      if (node.special === 'time') return null;
      if (node.type === 'integer' || node.type === 'number') return 0;
      if (node.type === 'boolean') return false;
      return '';
    default:
      return null;
  }
}

const keepsNull = (n: SchemaNode): boolean => n.kind === 'list' || n.kind === 'any' || n.special === 'time';

/** Replaces nulls in `obj` (a decoded object of the named definition) in place, as decoding into Go types does. */
export function decodeNulls(definition: string, obj: unknown): void {
  if (!containsNull(obj)) return;
  const root = schemaNode(definition);
  if (!root) return;
  const stack: [SchemaNode, unknown][] = [[root, obj]];
  while (stack.length) {
    const [node, v] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (node.kind === 'list') {
      if (!Array.isArray(v)) continue; // a type error: field validation reports it
      const elem = elementNode(node);
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) v[i] = zeroValue(elem);
        if (elem && typeof v[i] === 'object' && v[i] !== null) stack.push([elem, v[i]]);
      }
      continue;
    }
    if (Array.isArray(v)) continue;
    const o = v as Record<string, unknown>;
    if (node.kind === 'map') {
      const elem = elementNode(node);
      for (const k of Object.keys(o)) {
        if (o[k] === null) o[k] = zeroValue(elem);
        const x = o[k];
        if (elem && typeof x === 'object' && x !== null) stack.push([elem, x]);
      }
      continue;
    }
    if (node.kind !== 'struct') continue;
    for (const k of Object.keys(o)) {
      const child = childNode(node, k);
      if (!child) continue; // an unknown field: field validation reports or prunes it
      const x = o[k];
      if (x === null) {
        // Go marshals a nil slice of a field without omitempty, and a zero Time, as null again: those
        // stay (EndpointSlice.endpoints, PodCondition.lastProbeTime); every other null field is absent
        if (!keepsNull(child)) delete o[k];
      } else if (typeof x === 'object') stack.push([child, x]);
    }
  }
}
