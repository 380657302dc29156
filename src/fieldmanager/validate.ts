// The part of structured-merge-diff's typed validation (typed/validate.go) an applied
// configuration meets in ObjectToTyped: a field a struct does not declare is an error
// (`.spec.foo: field not declared in schema`), whatever fieldValidation says. Upstream returns it
// as a plain error from structuredMergeManager.Apply, which the apiserver answers with 500 and no
// reason (managedfields/internal/structuredmerge.go; kubernetes issue #122480).
import { fieldPE, pathString, type Path } from './fieldpath.js';
import { isObj, rootNode, shapeOf, type Node } from './schema.js';
import { itemPE } from './typed.js';

/** `<path>: field not declared in schema` for every undeclared struct field, in path order. */
export function undeclaredFields(definition: string, value: unknown): string[] {
  const out: string[] = [];
  const walk = (path: Path, v: unknown, n: Node): void => {
    if (v === null || v === undefined || !n) return;
    // a struct without declared properties (RawExtension, FieldsV1, ...) takes anything
    if (n.kind === 'struct' && !Object.keys(n.properties ?? {}).length) return;
    const shape = shapeOf(n, v);
    if (shape.t === 'list') {
      if (Array.isArray(v)) v.forEach((item, i) => walk([...path, itemPE(shape, i, item)], item, shape.elem));
      return;
    }
    if (shape.t !== 'map' || !isObj(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const p = [...path, fieldPE(k)];
      if (shape.struct && !shape.open && !shape.isField(k)) out.push(`${pathString(p)}: field not declared in schema`);
      else walk(p, child, shape.child(k));
    }
  };
  walk([], value, rootNode(definition));
  return out.sort();
}

/** ValidationErrors.Error(): one error as is, several as an indented list under `errors:`. */
export function validationErrorsMessage(errs: string[]): string {
  return errs.length === 1 ? errs[0] : ['errors:', ...errs.map((e) => `  ${e}`)].join('\n');
}

/** objectGVKNN: `<namespace>/<name>; <group>/<version>, Kind=<kind>`. */
export function objectGVKNN(obj: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }): string {
  const apiVersion = String(obj.apiVersion ?? '');
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  return `${String(obj.metadata?.namespace ?? '')}/${String(obj.metadata?.name ?? '')}; ${gv}, Kind=${String(obj.kind ?? '')}`;
}
