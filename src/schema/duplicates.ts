// Duplicate keys in a JSON text, as paths in the form sigs.k8s.io/json's strict decoder reports
// them (`duplicate field "metadata.name"`; keys joined with '.', list indices as `[i]`).
// JSON.parse keeps the last value silently, so this scans the text itself. It runs on every
// create/update body, so it works on character codes, compares keys as raw slices (decoding only
// keys with escapes) and builds a path string only for a duplicate it reports.

import { yamlLib } from '../util/lazy.js';

const QUOTE = 34, BACKSLASH = 92, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, COLON = 58, COMMA = 44;
const SCALAR = /true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
/** Past this many levels the scan goes on with an explicit stack (bodies may nest 10,000 levels). */
const RECURSION_LIMIT = 256;

/** One step of the current path: an object key, or a list index (seg < 0 = unset). */
interface Step {
  key: string;
  index: number;
}

class Scanner {
  i = 0;
  readonly found: string[] = [];
  private seen: Set<string> | undefined;
  /** the path to the value being scanned (steps[0..depth)) */
  private readonly steps: Step[] = [];
  private depth = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  private fail(): never {
    throw new SyntaxError(`invalid JSON at offset ${this.i}`);
  }

  /** Skips a string; returns its text (decoded only when it has escapes). */
  private str(): string {
    const s = this.s;
    const start = this.i;
    if (s.charCodeAt(start) !== QUOTE) this.fail();
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= s.length) {
        this.i = i;
        this.fail();
      }
      const c = s.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else i++;
    }
    this.i = i + 1;
    return escaped ? JSON.parse(s.slice(start, i + 1)) : s.slice(start + 1, i);
  }

  private push(key: string, index: number): void {
    const st = this.steps[this.depth];
    if (st) {
      st.key = key;
      st.index = index;
    } else this.steps.push({ key, index });
    this.depth++;
  }

  private path(): string {
    let out = '';
    for (let d = 0; d < this.depth; d++) {
      const st = this.steps[d];
      if (st.index >= 0) out += `[${st.index}]`;
      else out += out ? `.${st.key}` : st.key;
    }
    return out;
  }

  value(): void {
    if (this.depth >= RECURSION_LIMIT) return this.deepValue();
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === LBRACE) return this.object();
    if (c === LBRACKET) return this.array();
    if (c === QUOTE) {
      this.str();
      return;
    }
    SCALAR.lastIndex = this.i;
    if (!SCALAR.test(this.s)) this.fail();
    this.i = SCALAR.lastIndex;
  }

  /** One key of an object: the duplicate check, the path step, and the colon after it. */
  private key(keys: string[] | Set<string>): string[] | Set<string> {
    const s = this.s;
    this.ws();
    const key = this.str();
    let dup: boolean;
    if (Array.isArray(keys)) {
      dup = keys.includes(key);
      if (keys.length < 16) keys.push(key);
      else (keys = new Set(keys)).add(key);
    } else {
      dup = keys.has(key);
      keys.add(key);
    }
    this.push(key, -1);
    if (dup) {
      const child = this.path();
      this.seen ??= new Set();
      if (!this.seen.has(child)) this.found.push(child);
      this.seen.add(child);
    }
    this.ws();
    if (s.charCodeAt(this.i++) !== COLON) this.fail();
    return keys;
  }

  /**
   * value() without recursion, for the levels past RECURSION_LIMIT (bodies may nest 10,000
   * levels): the open objects and arrays are kept on an explicit stack.
   */
  private deepValue(): void {
    const s = this.s;
    const open: { keys: string[] | Set<string> | undefined; n: number }[] = []; // keys undefined: an array
    for (;;) {
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === LBRACE || c === LBRACKET) {
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === (c === LBRACE ? RBRACE : RBRACKET)) this.i++;
        else if (c === LBRACE) {
          open.push({ keys: this.key([]), n: 0 });
          continue;
        } else {
          open.push({ keys: undefined, n: 0 });
          this.push('', 0);
          continue;
        }
      } else if (c === QUOTE) this.str();
      else {
        SCALAR.lastIndex = this.i;
        if (!SCALAR.test(s)) this.fail();
        this.i = SCALAR.lastIndex;
      }
      // a value ended: close what it ends, or go on to the next member
      for (;;) {
        const f = open[open.length - 1];
        if (!f) return;
        this.depth--;
        this.ws();
        const sep = s.charCodeAt(this.i++);
        if (sep === (f.keys ? RBRACE : RBRACKET)) {
          open.pop();
          continue;
        }
        if (sep !== COMMA) this.fail();
        if (f.keys) f.keys = this.key(f.keys);
        else this.push('', ++f.n);
        break;
      }
    }
  }

  private object(): void {
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === RBRACE) {
      this.i++;
      return;
    }
    let keys: string[] | Set<string> = [];
    for (;;) {
      // a linear scan for the usual few keys, a set for large objects (see key)
      keys = this.key(keys);
      this.value();
      this.depth--;
      this.ws();
      const sep = s.charCodeAt(this.i++);
      if (sep === RBRACE) return;
      if (sep !== COMMA) this.fail();
    }
  }

  private array(): void {
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === RBRACKET) {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.push('', n);
      this.value();
      this.depth--;
      this.ws();
      const sep = s.charCodeAt(this.i++);
      if (sep === RBRACKET) return;
      if (sep !== COMMA) this.fail();
    }
  }
}

/** Paths of duplicated keys in a JSON document (each once, in order of appearance); [] for invalid JSON. */
export function findDuplicateFields(rawJson: string): string[] {
  const sc = new Scanner(rawJson);
  try {
    sc.value();
  } catch {
    return [];
  }
  return sc.found;
}

// ---- YAML ---------------------------------------------------------------------------------------
// Strict YAML decoding (sigs.k8s.io/yaml YAMLToJSONStrict, its goyaml.v2 UnmarshalStrict) fails on a
// key set twice in one mapping: `line N: key "a" already set in map`, N the 1-based line of the
// second value (goyaml.v2 decode.go setMapIndex), every one in document order, joined into one
// `yaml: unmarshal errors:\n  ...` error. Only the first document is decoded.

type YNode = { range?: [number, number, number] | null; items?: unknown[]; key?: YNode; value?: unknown } & Record<string, unknown>;

/** Go's %#v of a decoded YAML key: strings quoted, numbers and booleans bare, null as <nil>. */
function goKey(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

/** The goyaml.v2 strict-decoding messages for duplicated keys in a YAML text (none: []). */
export function findDuplicateYAMLKeys(text: string): string[] {
  // JSON (what kubectl and client-go send, apply configurations included) is YAML: a JSON text
  // without repeated fields has no repeated keys, which the JSON scanner tells far faster than
  // the YAML parser
  if (/^\s*\{/.test(text) && isJSONText(text) && findDuplicateFields(text).length === 0) return [];
  const Y = yamlLib();
  let doc;
  try {
    doc = Y.parseDocument(text, { uniqueKeys: false });
  } catch {
    return [];
  }
  if (doc.errors.length) return [];
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Y.isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = Y.isScalar(pair.key) ? pair.key.value : pair.key;
        const id = `${typeof key}:${String(key)}`;
        const value = pair.value as YNode | null;
        if (seen.has(id)) {
          const at = value?.range?.[0] ?? (pair.key as YNode | null)?.range?.[0] ?? 0;
          out.push(`line ${lineOf(at)}: key ${goKey(key)} already set in map`);
        }
        seen.add(id);
        walk(pair.value);
      }
    } else if (Y.isSeq(node)) for (const item of node.items) walk(item);
  };
  walk(doc.contents);
  return out;
}

/** The one error goyaml.v2 returns for them: `yaml: unmarshal errors:\n  line 3: key "a" already set in map`. */
export function yamlUnmarshalErrors(messages: string[]): string {
  return `yaml: unmarshal errors:\n  ${messages.join('\n  ')}`;
}

function isJSONText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
