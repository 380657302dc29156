// The JSONPath dialect of kubectl and of CRD additionalPrinterColumns: a parser and an
// evaluator with upstream's node kinds, evaluation order and error texts.
// staging/src/k8s.io/client-go/util/jsonpath/parser.go, jsonpath.go, node.go (our own code);
// comparisons as staging/src/k8s.io/client-go/third_party/forked/golang/template/funcs.go.

/** A float literal of the template (`{1.5}`, `[?(@.x>2.0)]`): Go keeps it a float64 even when integral. */
class FloatLit {
  constructor(readonly value: number) {}
}

interface ParamsEntry {
  value: number;
  known: boolean;
  derived: boolean;
}

export type JPNode =
  | { type: 'list'; nodes: JPNode[] }
  | { type: 'text'; text: string }
  | { type: 'field'; value: string }
  | { type: 'identifier'; name: string }
  | { type: 'array'; params: [ParamsEntry, ParamsEntry, ParamsEntry] }
  | { type: 'filter'; left: ListNode; right: ListNode; operator: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | { type: 'union'; nodes: ListNode[] };

type ListNode = { type: 'list'; nodes: JPNode[] };

const EOF = -1;
const MAX_INT64 = 9223372036854775807n;

const newList = (): ListNode => ({ type: 'list', nodes: [] });

function isDigit(r: number): boolean {
  return r >= 0 && /\p{Nd}/u.test(String.fromCodePoint(r));
}
function isLetter(r: number): boolean {
  return r >= 0 && /\p{L}/u.test(String.fromCodePoint(r));
}
function isAlphaNumeric(r: number): boolean {
  return r === 0x5f || isLetter(r) || isDigit(r);
}
function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09;
}
function isEndOfLine(r: number): boolean {
  return r === 0x0d || r === 0x0a;
}
function isTerminator(r: number): boolean {
  if (isSpace(r) || isEndOfLine(r)) return true;
  return r === EOF || '.,[]$@{}'.includes(String.fromCodePoint(r));
}

/** Go's %#U: `U+0041 'A'`, the quoted character only when printable (strconv.IsPrint). */
export function goRuneU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(r);
  const printable = r === 0x20 || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
  return printable ? `U+${hex} '${ch}'` : `U+${hex}`;
}

/** strconv.Atoi for the digits the slice regexp lets through; undefined when Go would fail. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const b = BigInt(s);
  if (b > MAX_INT64 || b < -MAX_INT64 - 1n) return undefined;
  return Number(b);
}

/** strconv.ParseFloat for what parseNumber collects (signs, digits, dots). */
function parseGoFloat(s: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return undefined;
  return Number(s);
}

/** strconv.UnquoteChar + UnquoteExtend: Go string-literal unquoting with single quotes allowed. */
function unquoteExtend(s: string): string {
  const syntax = new Error('invalid syntax');
  if (s.length < 2) throw syntax;
  const quote = s[0];
  if (quote !== s[s.length - 1]) throw syntax;
  if (quote !== '"' && quote !== "'") throw syntax;
  let body = s.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const bytes: number[] = [];
  const pushRune = (cp: number) => bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
  while (body.length > 0) {
    const cp = body.codePointAt(0)!;
    const ch = String.fromCodePoint(cp);
    if (ch === quote) throw syntax;
    if (ch !== '\\') {
      pushRune(cp);
      body = body.slice(ch.length);
      continue;
    }
    if (body.length <= 1) throw syntax;
    const c = body[1];
    body = body.slice(2);
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
    if (c in simple) {
      bytes.push(simple[c]);
    } else if (c === 'x' || c === 'u' || c === 'U') {
      const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const hex = body.slice(0, n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) throw syntax;
      body = body.slice(n);
      const v = parseInt(hex, 16);
      if (c === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw syntax;
        pushRune(v);
      }
    } else if (c >= '0' && c <= '7') {
      const oct = c + body.slice(0, 2);
      if (!/^[0-7]{3}$/.test(oct)) throw syntax;
      body = body.slice(2);
      const v = parseInt(oct, 8);
      if (v > 255) throw syntax;
      bytes.push(v);
    } else if (c === "'" || c === '"') {
      if (c !== quote) throw syntax;
      bytes.push(c.charCodeAt(0));
    } else throw syntax;
  }
  return Buffer.from(bytes).toString('utf8');
}

const SLICE_RE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const DICT_KEY_RE = /^'([^']*)'$/;
const FILTER_RE = /^([^!<>=]+)([!<>=]+)(.+?)$/;

class Parser {
  root: ListNode = newList();
  private input = '';
  private pos = 0;
  private start = 0;
  private width = 0;

  parse(text: string): void {
    this.input = text;
    this.root = newList();
    this.pos = 0;
    this.start = 0;
    this.parseText(this.root);
  }

  private consumeText(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private rest(): string {
    return this.input.slice(this.pos);
  }

  private parseText(cur: ListNode): void {
    for (;;) {
      if (this.rest().startsWith('{')) {
        if (this.pos > this.start) cur.nodes.push({ type: 'text', text: this.consumeText() });
        this.parseLeftDelim(cur);
        return;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ type: 'text', text: this.consumeText() });
  }

  private parseLeftDelim(cur: ListNode): void {
    this.pos += 1;
    this.consumeText();
    const n = newList();
    cur.nodes.push(n);
    this.parseInsideAction(n);
  }

  // Upstream recurses after every token; a loop gives the same tree without deep stacks.
  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      const rest = this.rest();
      if (rest.startsWith('}')) return this.parseRightDelim();
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new Error('unclosed action');
      if (r === 0x20 || r === 0x40 /* @ */ || r === 0x24 /* $ */) {
        this.consumeText();
      } else if (r === 0x5b /* [ */) {
        this.parseArray(cur);
      } else if (r === 0x22 || r === 0x27) {
        this.parseQuote(cur, r);
      } else if (r === 0x2e /* . */) {
        this.parseField(cur);
      } else if (r === 0x2b || r === 0x2d || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new Error(`unrecognized character in action: ${goRuneU(r)}`);
      }
    }
  }

  private parseRightDelim(): void {
    this.pos += 1;
    this.consumeText();
    this.parseText(this.root);
  }

  private parseIdentifier(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'bool', value: value === 'true' });
    else cur.nodes.push({ type: 'identifier', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    const last = cur.nodes[cur.nodes.length - 1];
    if (last && last.type === 'recursive') throw new Error('invalid multiple recursive descent');
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ type: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    let r = this.peek();
    if (r === 0x2b || r === 0x2d) this.next();
    for (;;) {
      r = this.next();
      if (r !== 0x2e && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    const i = atoi(value);
    if (i !== undefined) {
      cur.nodes.push({ type: 'int', value: i });
      return;
    }
    const d = parseGoFloat(value);
    if (d !== undefined) {
      cur.nodes.push({ type: 'float', value: d });
      return;
    }
    throw new Error(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new Error('unterminated array');
      if (r === 0x5d) break;
    }
    let text = this.consumeText();
    text = text.slice(1, -1);
    if (text === '*') text = ':';

    const strs = text.split(',');
    if (strs.length > 1) {
      const union: ListNode[] = [];
      for (const s of strs) union.push(parseAction(`[${s.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ type: 'union', nodes: union });
      return;
    }

    const dict = DICT_KEY_RE.exec(text);
    if (dict) {
      for (const n of parseAction(`.${dict[1]}`).nodes) cur.nodes.push(n);
      return;
    }

    const m = SLICE_RE.exec(text);
    if (!m) throw new Error(`invalid array index ${text}`);
    const value = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
    const params: [ParamsEntry, ParamsEntry, ParamsEntry] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      if (value[i] !== '') {
        if (i > 0) value[i] = value[i].slice(1);
        if (i > 0 && value[i] === '') {
          params[i].known = false;
        } else {
          const n = atoi(value[i]);
          if (n === undefined) throw new Error(`array index ${value[i]} is not a number`);
          params[i].known = true;
          params[i].value = n;
        }
      } else if (i === 1) {
        params[i] = { known: true, value: params[0].value + 1, derived: true };
      } else {
        params[i] = { known: false, value: 0, derived: false };
      }
    }
    cur.nodes.push({ type: 'array', params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new Error('unterminated filter');
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === 0x29 /* ) */) {
        if (begin === end) break;
      }
    }
    if (this.next() !== 0x5d) throw new Error('unclosed array expect ]');
    let text = this.consumeText();
    text = text.slice(0, -2);
    const m = FILTER_RE.exec(text);
    if (!m) {
      cur.nodes.push({ type: 'filter', left: parseAction(text), right: newList(), operator: 'exists' });
    } else {
      const left = parseAction(m[1]);
      const right = parseAction(m[3]);
      cur.nodes.push({ type: 'filter', left, right, operator: m[2] });
    }
  }

  private parseQuote(cur: ListNode, end: number): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new Error('unterminated quoted string');
      if (r === end && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consumeText();
    let s: string;
    try {
      s = unquoteExtend(value);
    } catch (e) {
      throw new Error(`unquote string ${value} error ${(e as Error).message}`);
    }
    cur.nodes.push({ type: 'text', text: s });
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    while (this.advance());
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ type: 'wildcard' });
    else cur.nodes.push({ type: 'field', value: value.replaceAll('\\', '') });
  }

  private advance(): boolean {
    const r = this.next();
    if (r === 0x5c) this.next();
    else if (isTerminator(r)) {
      this.backup();
      return false;
    }
    return true;
  }
}

/** parseAction: the expression inside one pair of delimiters. */
function parseAction(text: string): ListNode {
  const p = new Parser();
  p.parse(`{${text}}`);
  return p.root.nodes[0] as ListNode;
}

// ---- evaluation -------------------------------------------------------------------------

type Kind = 'bool' | 'int' | 'float' | 'string' | 'map' | 'slice' | 'nil' | 'invalid';

function kindOf(v: unknown): Kind {
  if (v === null) return 'nil';
  if (v === undefined) return 'invalid';
  if (v instanceof FloatLit) return 'float';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    default:
      return Array.isArray(v) ? 'slice' : 'map';
  }
}

/** The Go type name a decoded JSON value has (map[string]interface {}, []interface {}, int64, ...). */
function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int64';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

/** fmt's %v of a float64: strconv 'g' with the shortest digits, %e form when exp < -4 || exp >= 6 (strconv/ftoa.go). */
export function goFloatV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // shortest digits and decimal exponent
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  let s: string;
  if (exp < 0) s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) s = digits + '0'.repeat(exp + 1 - digits.length);
  else s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return (neg ? '-' : '') + s;
}

/** fmt.Fprint of a decoded JSON value (maps as map[k:v ...] with sorted keys, slices as [a b]). */
export function goSprint(v: unknown): string {
  if (v instanceof FloatLit) return goFloatV(v.value);
  if (v === undefined) return '<invalid reflect.Value>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isInteger(v) ? String(v) : goFloatV(v);
    case 'bigint':
      return v.toString();
  }
  if (Array.isArray(v)) return `[${v.map((e) => goSprint(e)).join(' ')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `map[${keys.map((k) => `${k}:${goSprint(o[k])}`).join(' ')}]`;
}

/** encoding/json Marshal of a decoded JSON value: sorted map keys, HTML-safe escapes. */
export function goJSON(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (x instanceof FloatLit) return x.value;
    if (Array.isArray(x)) return x.map(sortKeys);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) out[k] = sortKeys((x as Record<string, unknown>)[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(sortKeys(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One value as PrintResults writes it: maps and lists as JSON, everything else as fmt.Fprint.
 * `nullText` is what a JSON null prints as: "null" for a value found by the template, "<no value>"
 * when the caller re-wraps the value first (the table convertor does).
 */
export function printResult(v: unknown, nullText: 'null' | '<no value>'): string {
  if (v === null || v === undefined) return nullText;
  if (typeof v === 'object' && !(v instanceof FloatLit)) return goJSON(v);
  return goSprint(v);
}

/** UTF-8 bytes of a string, each a uint8 element (Go indexes strings by byte). */
function stringBytes(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

function children(v: unknown): unknown[] {
  const k = kindOf(v);
  if (k === 'map') return Object.values(v as Record<string, unknown>);
  if (k === 'slice') return v as unknown[];
  if (k === 'string') return stringBytes(v as string);
  return [];
}

function unwrap(v: unknown): unknown {
  return v instanceof FloatLit ? v.value : v;
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function basicKind(v: unknown): 'bool' | 'int' | 'float' | 'string' {
  const k = kindOf(v);
  if (k === 'bool' || k === 'int' || k === 'float' || k === 'string') return k;
  throw new Error(errBadComparisonType);
}

function num(v: unknown): number | bigint {
  return v instanceof FloatLit ? v.value : (v as number | bigint);
}

function goEqual(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === 'int' || k1 === 'float') return num(a) == num(b); // eslint-disable-line eqeqeq
  return a === b;
}

function goLess(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === 'bool') throw new Error(errBadComparisonType);
  if (k1 === 'string') return (a as string) < (b as string);
  return num(a) < num(b);
}

interface EvalState {
  beginRange: number;
  inRange: number;
  endRange: number;
  lastEnd?: JPNode;
}

/** A parsed template. Values returned are the decoded JSON values themselves (not copies). */
export class JSONPath {
  private allowMissing = false;
  /** Set when the template is one action of plain fields (`{.spec.replicas}`): evaluated without the tree walk. */
  private readonly fields: string[] | undefined;

  constructor(
    readonly name: string,
    readonly root: ListNode,
  ) {
    const only = root.nodes.length === 1 && root.nodes[0].type === 'list' ? root.nodes[0].nodes : undefined;
    if (only && only.length > 0 && only.every((n) => n.type === 'field')) {
      this.fields = only.map((n) => (n as { value: string }).value);
    }
  }

  /** AllowMissingKeys: a missing field or map key gives no result instead of "<key> is not found". */
  allowMissingKeys(allow: boolean): this {
    this.allowMissing = allow;
    return this;
  }

  /**
   * FindResults: one list of values per top-level node (text, action, and each pass of a range).
   * Throws upstream's evaluation errors. Upstream leaves its parser's node list cut after a range
   * has run; here every call starts from the whole template.
   */
  findResults(data: unknown): unknown[][] {
    if (this.fields) return [this.findFields(data, this.fields)];
    const st: EvalState = { beginRange: 0, inRange: 0, endRange: 0 };
    return this.find(st, data, this.root.nodes).map((list) => list.map(unwrap));
  }

  /** Execute: the results as PrintResults writes them (maps and lists as JSON, values joined by a space). */
  execute(data: unknown): string {
    return this.findResults(data)
      .map((list) => list.map((v) => printResult(v, 'null')).join(' '))
      .join('');
  }

  /** evalField over a single value, field after field (same results and errors as the walk). */
  private findFields(data: unknown, fields: string[]): unknown[] {
    let cur: unknown = data;
    for (const f of fields) {
      if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.prototype.hasOwnProperty.call(cur, f)) {
        cur = (cur as Record<string, unknown>)[f];
        continue;
      }
      if (!this.allowMissing) throw new Error(`${f} is not found`);
      return [];
    }
    return [cur];
  }

  private find(st: EvalState, data: unknown, nodes: JPNode[]): unknown[][] {
    const cur = [data];
    const full: unknown[][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const results = this.walk(st, cur, node);
      // an end node closes the current pass
      if (st.endRange > 0 && st.endRange <= st.inRange) {
        st.endRange -= 1;
        st.lastEnd = node;
        break;
      }
      // a range node: run the rest once per value, then resume after the matching end
      if (st.beginRange > 0) {
        st.beginRange -= 1;
        st.inRange += 1;
        const rest = nodes.slice(i + 1);
        if (results.length > 0) for (const v of results) full.push(...this.find(st, unwrap(v), rest));
        else this.find(st, undefined, rest);
        st.inRange -= 1;
        for (let k = i + 1; k < nodes.length; k++) {
          if (nodes[k] === st.lastEnd) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  private walk(st: EvalState, input: unknown[], node: JPNode): unknown[] {
    switch (node.type) {
      case 'list':
        return this.evalList(st, input, node);
      case 'text':
        return [node.text];
      case 'field':
        return this.evalField(input, node.value);
      case 'array':
        return this.evalArray(input, node.params);
      case 'filter':
        return this.evalFilter(st, input, node);
      case 'int':
        return input.map(() => node.value);
      case 'bool':
        return input.map(() => node.value);
      case 'float':
        return input.map(() => new FloatLit(node.value));
      case 'wildcard':
        return this.evalWildcard(input);
      case 'recursive':
        return this.evalRecursive(input);
      case 'union': {
        const out: unknown[] = [];
        for (const l of node.nodes) out.push(...this.evalList(st, input, l));
        return out;
      }
      case 'identifier':
        return this.evalIdentifier(st, input, node.name);
    }
  }

  private evalList(st: EvalState, input: unknown[], node: ListNode): unknown[] {
    let cur = input;
    for (const n of node.nodes) cur = this.walk(st, cur, n);
    return cur;
  }

  private evalIdentifier(st: EvalState, input: unknown[], name: string): unknown[] {
    if (name === 'range') {
      st.beginRange += 1;
      return input;
    }
    if (name === 'end') {
      if (st.inRange > 0) {
        st.endRange += 1;
        return [];
      }
      throw new Error('not in range, nothing to end');
    }
    throw new Error(`unrecognized identifier ${name}`);
  }

  private evalArray(input: unknown[], node: [ParamsEntry, ParamsEntry, ParamsEntry]): unknown[] {
    const result: unknown[] = [];
    for (const raw of input) {
      const value = unwrap(raw);
      if (value === null) continue;
      if (!Array.isArray(value)) throw new Error(`${goTypeName(value)} is not array or slice`);
      const p = node.map((e) => ({ ...e }));
      const len = value.length;
      if (!p[0].known) p[0].value = 0;
      if (p[0].value < 0) p[0].value += len;
      if (!p[1].known) p[1].value = len;
      if (p[1].value < 0 || (p[1].value === 0 && p[1].derived)) p[1].value += len;
      if (p[1].value === p[0].value) return result;
      if (p[0].value >= len || p[0].value < 0) {
        throw new Error(`array index out of bounds: index ${p[0].value}, length ${len}`);
      }
      if (p[1].value > len || p[1].value < 0) {
        throw new Error(`array index out of bounds: index ${p[1].value - 1}, length ${len}`);
      }
      if (p[0].value > p[1].value) {
        throw new Error(`starting index ${p[0].value} is greater than ending index ${p[1].value}`);
      }
      const sliced = value.slice(p[0].value, p[1].value);
      let step = 1;
      if (p[2].known) {
        if (p[2].value <= 0) throw new Error('step must be > 0');
        step = p[2].value;
      }
      for (let i = 0; i < sliced.length; i += step) result.push(sliced[i]);
    }
    return result;
  }

  private evalField(input: unknown[], field: string): unknown[] {
    const results: unknown[] = [];
    if (input.length === 0) return results;
    for (const raw of input) {
      const value = unwrap(raw);
      if (value === null) continue;
      if (kindOf(value) === 'map' && Object.prototype.hasOwnProperty.call(value, field)) {
        results.push((value as Record<string, unknown>)[field]);
      }
    }
    if (results.length === 0 && !this.allowMissing) throw new Error(`${field} is not found`);
    return results;
  }

  private evalWildcard(input: unknown[]): unknown[] {
    const results: unknown[] = [];
    for (const raw of input) {
      const value = unwrap(raw);
      if (value === null) continue;
      results.push(...children(value));
    }
    return results;
  }

  private evalRecursive(input: unknown[]): unknown[] {
    const result: unknown[] = [];
    for (const raw of input) {
      const value = unwrap(raw);
      if (value === null) continue;
      const kids = children(value);
      if (kids.length !== 0) {
        result.push(value);
        result.push(...this.evalRecursive(kids));
      }
    }
    return result;
  }

  private evalFilter(st: EvalState, input: unknown[], node: Extract<JPNode, { type: 'filter' }>): unknown[] {
    const results: unknown[] = [];
    for (const raw of input) {
      const value = unwrap(raw);
      if (!Array.isArray(value)) {
        throw new Error(`${goSprint(value)} is not array or slice and cannot be filtered`);
      }
      for (const item of value) {
        const temp = [item];
        let lefts: unknown[];
        let leftErr: Error | undefined;
        try {
          lefts = this.evalList(st, temp, node.left);
        } catch (e) {
          lefts = [];
          leftErr = e as Error;
        }
        if (node.operator === 'exists') {
          if (lefts.length > 0) results.push(item);
          continue;
        }
        if (leftErr) throw leftErr;
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new Error('can only compare one element at a time');
        const rights = this.evalList(st, temp, node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new Error('can only compare one element at a time');
        const left = lefts[0];
        const right = rights[0];
        let pass: boolean;
        switch (node.operator) {
          case '<':
            pass = goLess(left, right);
            break;
          case '>':
            pass = goLess(right, left);
            break;
          case '==':
            pass = goEqual(left, right);
            break;
          case '!=':
            pass = !goEqual(left, right);
            break;
          case '<=':
            pass = goLess(left, right) || goEqual(left, right);
            break;
          case '>=':
            pass = !goLess(left, right);
            break;
          default:
            throw new Error(`unrecognized filter operator ${node.operator}`);
        }
        if (pass) results.push(item);
      }
    }
    return results;
  }
}

/**
 * Parse a template (`{.spec.replicas}`, `{range .items[*]}{.name}{end}`, plain text around
 * actions). Throws an Error carrying upstream's parse message.
 */
export function parseJSONPath(expr: string, name = ''): JSONPath {
  const p = new Parser();
  p.parse(expr);
  return new JSONPath(name, p.root);
}
