// cel-js errors worded and located as cel-go's, which upstream's messages embed:
// github.com/google/cel-go common/error.go (ToDisplayString), common/errors.go, checker/errors.go,
// common/types/err.go. cel-js reports a node's whole range; cel-go points at the operator, the '.'
// of a selection or the '(' of a call, so the location is moved there.

interface CelErrorLike {
  name?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
  node?: any;
}

const BINARY_FN: Record<string, string> = {
  '==': '_==_', '!=': '_!=_', '<': '_<_', '<=': '_<=_', '>': '_>_', '>=': '_>=_',
  '+': '_+_', '-': '_-_', '*': '_*_', '/': '_/_', '%': '_%_', in: '@in',
};

/** cel-js type names as cel-go prints them: list<int> -> list(int). */
function goType(t: string): string {
  return t
    .replace(/google\.protobuf\.Timestamp/g, 'timestamp')
    .replace(/google\.protobuf\.Duration/g, 'duration')
    .replace(/</g, '(')
    .replace(/>/g, ')')
    .trim();
}

/** cel-go's ERROR: <input>:L:C: msg + snippet + caret line. */
export function displayError(src: string, pos: number, msg: string): string {
  pos = Math.max(0, Math.min(pos, src.length));
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  let lineEnd = src.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = src.length;
  const col = [...src.slice(lineStart, pos)];
  let out = `ERROR: <input>:${line}:${col.length + 1}: ${msg}`;
  const snippet = src.slice(lineStart, lineEnd).replace(/\t/g, ' ');
  out += '\n | ' + snippet + '\n | ';
  for (const ch of col) out += ch.length > 1 || ch.charCodeAt(0) > 0x7f ? '\uff0e' : '.';
  const at = src.codePointAt(pos);
  out += at !== undefined && at > 0x7f ? '\uff3e' : '^';
  return out;
}

function skipToChar(src: string, from: number, ch: string): number {
  const i = src.indexOf(ch, from);
  return i < 0 ? from : i;
}

/** Where cel-go would locate an error about this node. */
function goPosition(src: string, node: any, fallback: number): number {
  if (!node || typeof node !== 'object') return fallback;
  const op = node.op;
  const args = node.args;
  if ((op === '.' || op === '.?') && args?.[0]?.range) return skipToChar(src, args[0].range.end, '.');
  if ((op === '[]' || op === '[?]') && args?.[0]?.range) return skipToChar(src, args[0].range.end, '[');
  if (op in BINARY_FN && args?.[0]?.range) {
    let i = args[0].range.end;
    while (i < src.length && /[\s)]/.test(src[i])) i++;
    return i;
  }
  if (op === 'rcall' && args?.[1]?.range) return skipToChar(src, args[1].range.end, '(');
  if (op === 'call' && node.range) return skipToChar(src, node.range.start, '(');
  return node.range?.start ?? fallback;
}

// cel-go's ANTLR parser's words for the common cases (parser/parser_test.go)
const EXPECT_EXPR = "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
const CLOSERS: Record<string, string> = { RPAREN: ')', RBRACKET: ']', RBRACE: '}', COLON: ':' };

function syntaxError(src: string, start: number, summary: string): string {
  let m: RegExpExecArray | null;
  if (summary === 'Unexpected token: EOF') return displayError(src, src.length, `Syntax error: mismatched input '<EOF>' expecting ${EXPECT_EXPR}`);
  if ((m = /^Expected (RPAREN|RBRACKET|RBRACE|COLON), got EOF$/.exec(summary)))
    return displayError(src, src.length, `Syntax error: missing '${CLOSERS[m[1]]}' at '<EOF>'`);
  if ((m = /^Unexpected character: '?(.*?)'?$/.exec(summary))) {
    if (/^[\w"'.]/.test(m[1])) return displayError(src, start, `Syntax error: extraneous input '${m[1]}' expecting <EOF>`);
    return displayError(src, start, `Syntax error: token recognition error at: '${m[1]}'`);
  }
  if (summary === 'Unterminated string') return displayError(src, start, `Syntax error: token recognition error at: '${src.slice(start)}'`);
  return displayError(src, start, `Syntax error: ${summary}`);
}

/**
 * One compile (parse or type-check) error as cel-go's issues.String() would show it. `known`
 * holds the declared function names: calling any other is an undeclared reference in cel-go.
 */
export function compileErrorString(src: string, err: CelErrorLike, known?: Set<string>): string {
  // (the has() macro under its other name: library.ts rewriteHas)
  const summary = (err.summary ?? err.message ?? String(err)).split('\n')[0].replace(/\b_hs\(/g, 'has(');
  const start = err.range?.start ?? err.node?.range?.start ?? 0;
  if (err.name === 'ParseError') return syntaxError(src, start, summary);
  let m: RegExpExecArray | null;
  if ((m = /^No such key: (.*)$/.exec(summary))) return displayError(src, goPosition(src, err.node, start), `undefined field '${m[1]}'`);
  if ((m = /^Unknown variable: (.*)$/.exec(summary)))
    return displayError(src, start, `undeclared reference to '${m[1]}' (in container '')`);
  // cel/validator.go (homogeneous aggregate literals)
  if ((m = /^(?:List elements|Map (?:keys|values)) must have the same type, expected type '(.+)' but found '(.+)'$/.exec(summary)))
    return displayError(src, start, `expected type '${goType(m[1])}' but found '${goType(m[2])}'`);
  // all/exists expand to a loop over `@result && p` / `@result || p` (cel-go parser/macro.go)
  if ((m = /^(all|exists)\(var, predicate\) predicate must return bool, got '(.+)'$/.exec(summary)))
    return displayError(src, start, `found no matching overload for '${m[1] === 'all' ? '_&&_' : '_||_'}' applied to '(bool, ${goType(m[2])})'`);
  if ((m = /^no such overload: (.+) (==|!=|<=|>=|<|>|\+|-|\*|\/|%|in) (.+)$/.exec(summary)))
    return displayError(
      src,
      goPosition(src, err.node, start),
      `found no matching overload for '${BINARY_FN[m[2]]}' applied to '(${goType(m[1])}, ${goType(m[3])})'`,
    );
  if ((m = /^found no matching overload for '(?:(.+)\.)?([A-Za-z_][\w]*)\((.*)\)'$/.exec(summary))) {
    if (known && !known.has(m[2])) return displayError(src, goPosition(src, err.node, start), `undeclared reference to '${m[2]}' (in container '')`);
    const recv = m[1] ? goType(m[1]) + '.' : '';
    const args = m[3] ? m[3].split(/,\s*(?![^<]*>)/).map(goType).join(', ') : '';
    return displayError(src, goPosition(src, err.node, start), `found no matching overload for '${m[2]}' applied to '${recv}(${args})'`);
  }
  return displayError(src, goPosition(src, err.node, start), summary);
}

/** A runtime error's text as cel-go words it (common/types/err.go, list.go, map.go). */
export function runtimeErrorString(err: unknown): string {
  const e = err as CelErrorLike;
  const summary = (e?.summary ?? e?.message ?? String(err)).split('\n')[0];
  let m: RegExpExecArray | null;
  if ((m = /^No such key: index out of bounds, index (-?\d+) (?:>= size (\d+)|< 0)/.exec(summary)))
    return m[2] !== undefined ? `index '${m[1]}' out of range in list size '${m[2]}'` : `index '${m[1]}' out of range`;
  if ((m = /^No such key: (.*)$/.exec(summary))) return `no such key: ${m[1]}`;
  if (/^integer overflow/.test(summary)) return 'integer overflow';
  if (/^unsigned integer overflow/.test(summary)) return 'unsigned integer overflow';
  if (/^modulo by zero/.test(summary)) return 'modulus by zero';
  if (/^(no such overload|found no matching overload)/.test(summary)) return 'no such overload';
  return summary;
}
