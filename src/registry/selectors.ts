// Label and field selectors: parsing, matching and canonical strings, with upstream's error texts.
// Behaviour follows staging/src/k8s.io/apimachinery/pkg/labels/selector.go (lexer + parser),
// pkg/fields/selector.go (ParseSelector with backslash escapes) and
// pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector). Our own code.
import { isQualifiedName, isValidLabelValue } from './validation.js';

/** selection.Operator values. */
export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement { key: string; operator: SelectorOperator; values: string[] }

/** Requirements are ANDed and sorted by key; `nothing` is labels.Nothing() (a nil metav1 selector). */
export interface LabelSelector { requirements: Requirement[]; nothing?: boolean }

/** A selector that cannot be parsed; the message is upstream's. Answer 400 BadRequest with it. */
export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

// ---- field.Error rendering (apimachinery/pkg/util/validation/field/errors.go) ----

function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  return String(v);
}

const invalid = (path: string, value: unknown, detail: string): string => `${path}: Invalid value: ${goValue(value)}: ${detail}`;

/** utilerrors.NewAggregate(...).Error(): one message alone, else deduplicated in brackets. */
function aggregate(msgs: string[]): string {
  const seen = [...new Set(msgs)];
  if (msgs.length === 1 || seen.length === 1) return seen[0];
  return `[${seen.join(', ')}]`;
}

function keyError(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(path, key, errs.join('; ')) : undefined;
}

/** labels.NewRequirement validation; throws SelectorParseError. */
export function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const errs: string[] = [];
  const ke = keyError(key, 'key');
  if (ke) errs.push(ke);
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(invalid(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  if (errs.length) throw new SelectorParseError(aggregate(errs));
  return { key, operator, values };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

type Tok = 'error' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';
const LITERAL_TOKENS: Record<string, Tok> = {
  ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', in: 'in', '<': '<', '!=': '!=', notin: 'notin', '(': '(',
};
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c) && c !== '';

function lex(s: string): Array<[Tok, string]> {
  const out: Array<[Tok, string]> = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      out.push(['end', '']);
      return out;
    }
    if (isSpecial(s[pos])) {
      let buf = '';
      let last: [Tok, string] | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = LITERAL_TOKENS[buf];
        if (t) last = [t, buf];
        else if (last) break;
        pos++;
      }
      out.push(last ?? ['error', `error expected: keyword found '${buf}'`]);
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
      const t = LITERAL_TOKENS[buf];
      out.push(t ? [t, buf] : ['id', buf]);
    }
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private items: Array<[Tok, string]>;
  private pos = 0;
  constructor(s: string) {
    this.items = lex(s);
  }
  /** In the Values context `in` and `notin` are plain identifiers. */
  peek(values: boolean): [Tok, string] {
    const [t, l] = this.items[Math.min(this.pos, this.items.length - 1)];
    return values && (t === 'in' || t === 'notin') ? ['id', l] : [t, l];
  }
  next(values: boolean): [Tok, string] {
    const r = this.peek(values);
    this.pos++;
    return r;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const [tok, lit] = this.peek(true);
      if (tok === 'id' || tok === '!') {
        let r: Requirement;
        try {
          r = this.requirement();
        } catch (e) {
          throw new SelectorParseError(`unable to parse requirement: ${(e as Error).message}`);
        }
        reqs.push(r);
        const [t, l] = this.next(true);
        if (t === 'end') return reqs;
        if (t === ',') {
          const [t2, l2] = this.peek(true);
          if (t2 !== 'id' && t2 !== '!') throw new SelectorParseError(`found '${l2}', expected: identifier after ','`);
        } else {
          throw new SelectorParseError(`found '${l}', expected: ',' or 'end of string'`);
        }
      } else if (tok === 'end') {
        return reqs;
      } else {
        throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirement(): Requirement {
    let op: SelectorOperator | undefined;
    let [tok, key] = this.next(true);
    if (tok === '!') {
      op = '!';
      [tok, key] = this.next(true);
    }
    if (tok !== 'id') throw new Error(`found '${key}', expected: identifier`);
    const ke = keyError(key, '<nil>');
    if (ke) throw new Error(ke);
    const [la] = this.peek(true);
    if ((la === 'end' || la === ',') && op !== '!') op = 'exists';
    if (op === 'exists' || op === '!') return newRequirement(key, op, []);
    const [t, lit] = this.next(false);
    const ops: Partial<Record<Tok, SelectorOperator>> = { in: 'in', '=': '=', '==': '==', '>': 'gt', '<': 'lt', notin: 'notin', '!=': '!=' };
    const operator = ops[t];
    if (!operator) throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private valueSet(): Set<string> {
    const [tok, lit] = this.next(true);
    if (tok !== '(') throw new Error(`found '${lit}' expected: '('`);
    const [t2, l2] = this.peek(true);
    if (t2 === 'id' || t2 === ',') {
      const s = this.identifiers();
      if (this.next(true)[0] !== ')') throw new Error(`found '${l2}', expected: ')'`);
      return s;
    }
    if (t2 === ')') {
      this.next(true);
      return new Set(['']);
    }
    throw new Error(`found '${l2}', expected: ',', ')' or identifier`);
  }

  private identifiers(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const [tok, lit] = this.next(true);
      if (tok === 'id') {
        s.add(lit);
        const [t2, l2] = this.peek(true);
        if (t2 === ',') continue;
        if (t2 === ')') return s;
        throw new Error(`found '${l2}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (s.size === 0) s.add('');
        const [t2] = this.peek(true);
        if (t2 === ')') {
          s.add('');
          return s;
        }
        if (t2 === ',') s.add('');
      } else {
        throw new Error(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): Set<string> {
    const [la] = this.peek(true);
    if (la === 'end' || la === ',') return new Set(['']);
    const [tok, lit] = this.next(true);
    if (tok === 'id') return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** labels.Parse: the `labelSelector` query parameter. Throws SelectorParseError. */
export function parseLabelSelector(s: string): LabelSelector {
  const reqs = new Parser(s).parse();
  return { requirements: reqs.sort(byKey) };
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const val = has ? labels[r.key] : '';
  const op = r.operator;
  if (op === 'in' || op === '=' || op === '==') return has && r.values.includes(val);
  if (op === 'notin' || op === '!=') return !has || !r.values.includes(val);
  if (op === 'exists' || op === '!') return has === (op === 'exists');
  // gt / lt: both sides must be int64
  const lv = has ? parseInt64(val) : undefined;
  const rv = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
  if (lv === undefined || rv === undefined) return false;
  return op === 'gt' ? lv > rv : lv < rv;
}

/** Whether a label set satisfies every requirement (an empty selector matches everything). */
export function matches(sel: LabelSelector, labels: Record<string, string> | undefined | null): boolean {
  if (sel.nothing) return false;
  const ls = labels && typeof labels === 'object' ? labels : {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

/** True when the selector does not restrict anything. */
export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

export interface MetaLabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

const META_OPS: Record<string, SelectorOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: nil matches nothing, empty everything; throws SelectorParseError. */
export function labelSelectorFromObject(ls: MetaLabelSelector | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return { requirements: [], nothing: true };
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(matchLabels)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    const op = META_OPS[e?.operator];
    if (!op) throw new SelectorParseError(`${JSON.stringify(e?.operator ?? '')} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return { requirements: reqs.sort(byKey) };
}

/** Requirement.String(): `k=v`, `k in (a,b)`, `!k`, values sorted. */
export function requirementToString(r: Requirement): string {
  if (r.operator === '!') return `!${r.key}`;
  if (r.operator === 'exists') return r.key;
  const opText: Record<string, string> = { '=': '=', '==': '==', '!=': '!=', in: ' in ', notin: ' notin ', gt: '>', lt: '<' };
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  const body = r.operator === 'in' || r.operator === 'notin' ? `(${vals})` : vals;
  return `${r.key}${opText[r.operator]}${body}`;
}

/** Selector.String(), e.g. `app=web,tier in (a,b)`, of a parsed or a metav1 selector (Scale status.selector). */
export function labelSelectorToString(sel: LabelSelector | MetaLabelSelector | null | undefined): string {
  const parsed = sel && Array.isArray((sel as LabelSelector).requirements) ? (sel as LabelSelector) : labelSelectorFromObject(sel as MetaLabelSelector);
  if (parsed.nothing) return '';
  return parsed.requirements.map(requirementToString).join(',');
}

// ---- field selectors (pkg/fields/selector.go) ----

/** `=` and `==` both parse to `=` */
export interface FieldRequirement { field: string; operator: '=' | '!='; value: string }

/** Requirements are ANDed, in the order upstream checks them (terms sorted as strings). */
export interface FieldSelector { requirements: FieldRequirement[] }

/** Split on commas that are not backslash-escaped (the backslash stays in the term). */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    if (inSlash) inSlash = false;
    else if (s[i] === '\\') inSlash = true;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first `!=`, `==` or `=` splits a term; the left side has no escapes. */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes; bare `,`/`=` are errors. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v: its code point
    else if (c === ',' || c === '=') throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new SelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.ParseSelector: the `fieldSelector` query parameter. Throws SelectorParseError. */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new SelectorParseError(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    requirements.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  return { requirements };
}

/** Whether an object satisfies the selector; `get` answers a field's value (missing = ""). */
export function matchesFields(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const v = get(r.field) ?? '';
    return r.operator === '=' ? v === r.value : v !== r.value;
  });
}

/** The field names the selector uses, in checking order (duplicates kept once). */
export function fieldSelectorFields(sel: FieldSelector): string[] {
  return [...new Set(sel.requirements.map((r) => r.field))];
}

/** 400 message for the first unsupported field (upstream ConvertFieldLabel's), or undefined. */
export function unsupportedField(sel: FieldSelector, supported: Iterable<string>): string | undefined {
  const ok = new Set(supported);
  const bad = sel.requirements.find((r) => !ok.has(r.field));
  return bad ? `field label not supported: ${bad.field}` : undefined;
}

/** fields.EscapeValue. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => '\\' + c);
}

/** Selector.String(): `f=v` / `f!=v` joined by `,`, values escaped. */
export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/** RequiresExactMatch: the value a selector pins a field to with `=`, if any. */
export function fieldSelectorExactValue(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}
export const requiresExactMatch = fieldSelectorExactValue;
