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

interface PathLink {
  key: string | number;
  up: PathLink | undefined;
}

function pathOf(link: PathLink | undefined, key: string | number): (string | number)[] {
  const out: (string | number)[] = [key];
  for (let l = link; l; l = l.up) out.push(l.key);
  return out.reverse();
}

/** The paths (keys and indexes) of the nulls under v (iterative: any depth). */
function nullPaths(v: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (v === null || typeof v !== 'object') return out;
  const stack: [unknown, PathLink | undefined][] = [[v, undefined]];
  while (stack.length) {
    const [cur, link] = stack.pop()!;
    if (Array.isArray(cur)) {
      for (let i = 0; i < cur.length; i++) {
        const x = cur[i];
        if (x === null) out.push(pathOf(link, i));
        else if (typeof x === 'object') stack.push([x, { key: i, up: link }]);
      }
    } else {
      for (const k in cur as Record<string, unknown>) {
        const x = (cur as Record<string, unknown>)[k];
        if (x === null) out.push(pathOf(link, k));
        else if (typeof x === 'object') stack.push([x, { key: k, up: link }]);
      }
    }
  }
  return out;
}

/**
 * Replaces nulls in `obj` (a decoded object of the named definition) in place, as decoding into Go
 * types does. Only the schema nodes on the way to a null are looked up.
 */
export function decodeNulls(definition: string, obj: unknown): void {
  const paths = nullPaths(obj);
  if (!paths.length) return;
  const root = schemaNode(definition);
  if (!root) return;
  for (const path of paths) {
    let node: SchemaNode = root;
    let container: unknown = obj;
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      const key = path[i];
      let child: SchemaNode | undefined;
      if (node.kind === 'list') {
        if (!Array.isArray(container)) break; // a type error: field validation reports it
        child = elementNode(node);
        if (last) {
          (container as unknown[])[key as number] = zeroValue(child);
          break;
        }
      } else {
        if (Array.isArray(container)) break;
        if (node.kind === 'map') {
          child = elementNode(node);
          if (last) {
            (container as Record<string, unknown>)[key as string] = zeroValue(child);
            break;
          }
        } else if (node.kind === 'struct') {
          child = childNode(node, key as string);
          if (!child) break; // an unknown field: field validation reports or prunes it
          if (last) {
            if (!keepsNull(child)) delete (container as Record<string, unknown>)[key as string];
            break;
          }
        } else break;
      }
      if (!child) break;
      node = child;
      container = (container as Record<string | number, unknown>)[key];
    }
  }
}
