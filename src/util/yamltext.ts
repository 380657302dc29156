// YAML text of an answer (Accept: application/yaml). The YAML library's stringify recurses and
// gives up near 1,000 levels, while stored objects may nest 10,000 (Go's JSON limit). When it
// does, the levels past CUT_DEPTH are written in flow style, as their JSON text (JSON is YAML):
// the same data, read back by any YAML parser, without recursion.
import { yamlLib } from './lazy.js';
import { stringifyJSON } from './json.js';

const CUT_DEPTH = 256;

export function toYAML(v: unknown): string {
  try {
    return yamlLib().stringify(v);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  // a copy of the top levels with every deeper subtree replaced by a unique placeholder scalar
  const deep: string[] = [];
  const tag = `deep-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-`;
  const root: Record<string, unknown> = {};
  const work: [unknown, Record<string, unknown> | unknown[], string | number, number][] = [[v, root, 'v', 0]];
  while (work.length) {
    const [x, parent, key, depth] = work.pop()!;
    const put = (y: unknown) => ((parent as Record<string, unknown>)[key] = y);
    if (x === null || typeof x !== 'object') put(x);
    else if (depth >= CUT_DEPTH && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
      put(tag + deep.length);
      deep.push(stringifyJSON(x));
    } else if (Array.isArray(x)) {
      const out: unknown[] = new Array(x.length);
      put(out);
      for (let i = 0; i < x.length; i++) work.push([x[i], out, i, depth + 1]);
    } else {
      const out: Record<string, unknown> = {};
      put(out);
      for (const k of Object.keys(x)) {
        out[k] = undefined; // keeps the key order
        work.push([(x as Record<string, unknown>)[k], out, k, depth + 1]);
      }
    }
  }
  const text = yamlLib().stringify(root.v);
  return text.replace(new RegExp(`${tag}(\\d+)`, 'g'), (_m, i: string) => deep[Number(i)]);
}
