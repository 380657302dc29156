// Go RE2 patterns (regexp.Compile, as kube-openapi's validate/rexp.go and the CRD "pattern" check use them)
// translated to JavaScript RegExps, with regexp/syntax's error texts for the common mistakes.
export interface CompiledPattern {
  re?: RegExp;
  /** Go's error text (`error parsing regexp: ...`) when Go would not compile it */
  error?: string;
}

const cache = new Map<string, CompiledPattern>();

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function hex(c: string): string {
  return '\\u{' + c.codePointAt(0)!.toString(16) + '}';
}

function goErr(code: string, expr: string): { error: string } {
  return { error: `error parsing regexp: ${code}: \`${expr}\`` };
}

/** Compiles a Go regexp once (cached). */
export function compilePattern(pattern: string): CompiledPattern {
  let c = cache.get(pattern);
  if (!c) {
    c = translate(pattern);
    if (cache.size > 10000) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

function translate(p: string): CompiledPattern {
  let out = '';
  let flags = 'u';
  let i = 0;
  const n = p.length;
  const groups: number[] = [];
  // what the last emitted item was, for repetition checks: 'none' (start, '(' or '|'), 'atom', 'rep'
  let last: 'none' | 'atom' | 'rep' = 'none';
  // leading flag groups like (?i) become RegExp flags
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(p.slice(i));
    if (!m || i !== 0 && out !== '') break;
    for (const f of m[1]) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      if (f === 's' && !flags.includes('s')) flags += 's';
      if (f === 'm' && !flags.includes('m')) flags += 'm';
    }
    i += m[0].length;
  }
  while (i < n) {
    const ch = p[i];
    if (ch === '\\') {
      const r = escape(p, i, false);
      if ('error' in r) return r as CompiledPattern;
      out += r.js;
      i = r.next;
      last = 'atom';
      continue;
    }
    if (ch === '[') {
      const r = charClass(p, i);
      if ('error' in r) return r as CompiledPattern;
      out += r.js;
      i = r.next;
      last = 'atom';
      continue;
    }
    if (ch === '(') {
      if (p[i + 1] === '?') {
        const rest = p.slice(i);
        let m: RegExpExecArray | null;
        if ((m = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest))) {
          out += `(?<${m[1]}>`;
          i += m[0].length;
        } else if (rest.startsWith('(?:')) {
          out += '(?:';
          i += 3;
        } else if ((m = /^\(\?([imsU-]*):/.exec(rest)) && m[1].length > 0) {
          // inline flag groups: JavaScript has no equivalent here; keep the group, drop the flags
          out += '(?:';
          i += m[0].length;
        } else if ((m = /^\(\?([imsU-]+)\)/.exec(rest))) {
          i += m[0].length;
          continue;
        } else {
          return goErr('invalid or unsupported Perl syntax', rest.slice(0, 3));
        }
      } else {
        out += '(';
        i++;
      }
      groups.push(i);
      last = 'none';
      continue;
    }
    if (ch === ')') {
      if (groups.length === 0) return goErr('unexpected )', p);
      groups.pop();
      out += ')';
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '|') {
      out += '|';
      i++;
      last = 'none';
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?') {
      if (last === 'none') return goErr('missing argument to repetition operator', ch);
      if (last === 'rep') return goErr('invalid nested repetition operator', p.slice(i - 1, i + 1));
      out += ch;
      i++;
      if (p[i] === '?') {
        out += '?';
        i++;
      }
      last = 'rep';
      continue;
    }
    if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m) {
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : lo;
        if (lo > 1000 || hi > 1000 || (m[3] && hi < lo)) return goErr('invalid repeat count', m[0]);
        if (last === 'none') return goErr('missing argument to repetition operator', m[0]);
        if (last === 'rep') return goErr('invalid nested repetition operator', m[0]);
        out += m[0];
        i += m[0].length;
        if (p[i] === '?') {
          out += '?';
          i++;
        }
        last = 'rep';
        continue;
      }
      out += '\\{';
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '}') {
      out += '\\}';
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '^' || ch === '$') {
      out += ch;
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '/') {
      out += '\\/';
      i++;
      last = 'atom';
      continue;
    }
    const cp = p.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    out += s;
    i += s.length;
    last = 'atom';
  }
  if (groups.length > 0) return goErr('missing closing )', p);
  try {
    return { re: new RegExp(out, flags) };
  } catch {
    // Go accepts it but JavaScript does not: leave such a pattern unchecked
    return {};
  }
}

type Piece = { js: string; next: number; assertion?: boolean } | { error: string };

function escape(p: string, i: number, inClass: boolean): Piece {
  const c = p[i + 1];
  if (c === undefined) return goErr('trailing backslash at end of expression', '');
  const two = p.slice(i, i + 2);
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return { js: two, next: i + 2 };
    case 's':
      return { js: inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]', next: i + 2 };
    case 'S':
      if (inClass) return goErr('invalid escape sequence', two);
      return { js: '[^\\t\\n\\f\\r ]', next: i + 2 };
    case 'b':
    case 'B':
      if (inClass) return goErr('invalid escape sequence', two);
      return { js: two, next: i + 2, assertion: true };
    case 'A':
      if (inClass) return goErr('invalid escape sequence', two);
      return { js: '^', next: i + 2, assertion: true };
    case 'z':
      if (inClass) return goErr('invalid escape sequence', two);
      return { js: '(?![\\s\\S])', next: i + 2, assertion: true };
    case 'a':
      return { js: '\\x07', next: i + 2 };
    case 'f':
    case 't':
    case 'n':
    case 'r':
    case 'v':
      return { js: two, next: i + 2 };
    case 'x': {
      const rest = p.slice(i + 2);
      let m = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
      if (m) return { js: `\\u{${m[1]}}`, next: i + 2 + m[0].length };
      m = /^[0-9A-Fa-f]{2}/.exec(rest);
      if (m) return { js: `\\x${m[0]}`, next: i + 4 };
      return goErr('invalid escape sequence', p.slice(i, i + 4));
    }
    case 'p':
    case 'P': {
      const rest = p.slice(i + 2);
      const m = /^\{(\^?)([A-Za-z_]+)\}/.exec(rest) ?? /^()([A-Za-z])/.exec(rest);
      if (!m) return goErr('invalid character class range', p.slice(i, i + 3));
      const neg = (c === 'P') !== (m[1] === '^');
      const name = m[2] === 'Any' ? null : m[2];
      const js = name === null ? (neg ? '[^\\s\\S]' : '[\\s\\S]') : `\\${neg ? 'P' : 'p'}{${/^[A-Z][a-z]?$/.test(name) ? name : 'Script=' + name}}`;
      return { js, next: i + 2 + m[0].length };
    }
    case '0': {
      const m = /^0[0-7]{0,2}/.exec(p.slice(i + 1))!;
      return { js: hex(String.fromCharCode(parseInt(m[0], 8))), next: i + 1 + m[0].length };
    }
    default:
      if (/[1-7]/.test(c) && /[0-7]/.test(p[i + 2] ?? '')) {
        const m = /^[0-7]{2,3}/.exec(p.slice(i + 1))!;
        return { js: hex(String.fromCharCode(parseInt(m[0], 8))), next: i + 1 + m[0].length };
      }
      if (/[A-Za-z0-9]/.test(c)) return goErr('invalid escape sequence', two);
      // escaped punctuation is always the character itself
      return { js: c.charCodeAt(0) < 0x80 ? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0') : c, next: i + 2 };
  }
}

function charClass(p: string, start: number): Piece {
  let i = start + 1;
  let js = '[';
  if (p[i] === '^') {
    js += '^';
    i++;
  }
  let first = true;
  while (i < p.length) {
    const ch = p[i];
    if (ch === ']' && !first) return { js: js + ']', next: i + 1 };
    first = false;
    if (ch === '[' && p[i + 1] === ':') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
      if (m && POSIX[m[2]]) {
        if (m[1]) return { js: '', next: i + m[0].length }; // a negated POSIX class inside a class: left out
        js += POSIX[m[2]];
        i += m[0].length;
        continue;
      }
    }
    if (ch === '\\') {
      const r = escape(p, i, true);
      if ('error' in r) return r;
      js += r.js;
      i = r.next;
      continue;
    }
    if (ch === '[' || ch === ']' || ch === '/' || ch === '{' || ch === '}' || ch === '(' || ch === ')' || ch === '|') {
      js += '\\' + ch;
      i++;
      continue;
    }
    const cp = p.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    js += s;
    i += s.length;
  }
  return goErr('missing closing ]', p.slice(start));
}
