// Shell patterns (`*`, `?`, `[...]`, `\x`) as regular expressions, pathname expansion over a
// ContainerFS, and `$(( ))` arithmetic.
import type { ContainerFS } from '../types.js';

/** escapes the pattern characters of quoted text */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}

export function hasGlob(pat: string): boolean {
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] === '\\') i++;
    else if (pat[i] === '*' || pat[i] === '?' || pat[i] === '[') return true;
  }
  return false;
}

/** a shell pattern as a regular expression source (no anchors) */
export function globSource(pat: string, greedy = true): string {
  let re = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '\\') {
      const n = pat[++i] ?? '\\';
      re += n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '*') re += greedy ? '.*' : '.*?';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pat.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pat.slice(i + 1, end);
      let neg = false;
      if (body[0] === '!' || body[0] === '^') {
        neg = true;
        body = body.slice(1);
      }
      re += '[' + (neg ? '^' : '') + body.replace(/[\\\]^]/g, '\\$&') + ']';
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return re;
}

export function globMatch(pat: string, s: string): boolean {
  return new RegExp('^' + globSource(pat) + '$', 's').test(s);
}

/** pathname expansion: the sorted matches of `pat` (relative to cwd unless absolute), or [] */
export async function expandGlob(fs: ContainerFS, pat: string, cwd: string): Promise<string[]> {
  const absolute = pat.startsWith('/');
  const comps = pat.split('/').filter((c) => c !== '');
  let bases: string[] = [absolute ? '/' : ''];
  for (const comp of comps) {
    const next: string[] = [];
    for (const base of bases) {
      const dir = base === '' ? cwd : base;
      if (!hasGlob(comp)) {
        const cand = join(base, comp.replace(/\\(.)/g, '$1'));
        next.push(cand);
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(resolve(dir, cwd));
      } catch {
        continue;
      }
      const re = new RegExp('^' + globSource(comp) + '$', 's');
      for (const n of names) {
        if (n.startsWith('.') && !comp.startsWith('.') && !comp.startsWith('\\.')) continue;
        if (re.test(n)) next.push(join(base, n));
      }
    }
    bases = next;
  }
  const out: string[] = [];
  for (const b of bases) {
    try {
      await fs.lstat(resolve(b, cwd));
      out.push(pat.endsWith('/') ? b + '/' : b);
    } catch {
      // a literal component that does not exist
    }
  }
  return out.sort();
}

function join(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? base + name : base + '/' + name;
}

function resolve(p: string, cwd: string): string {
  return p.startsWith('/') ? p : (cwd.endsWith('/') ? cwd : cwd + '/') + p;
}

/** `$(( ))`: integer arithmetic with C operators, variables, assignments */
export function arith(expr: string, get: (name: string) => string | undefined, set: (name: string, v: string) => void): number {
  const toks = expr.match(/\s*(0x[0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%&|^]=|[-+*/%<>=!~&|^?:()])\s*/gy);
  const joined = (toks ?? []).join('');
  if (joined.replace(/\s/g, '') !== expr.replace(/\s/g, '')) throw new Error(`arithmetic syntax error`);
  const t = (toks ?? []).map((s) => s.trim());
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  const num = (s: string | undefined): number => {
    if (s === undefined || s === '') return 0;
    const v = s.trim();
    if (/^-?\d+$/.test(v)) return Number(v);
    if (/^0x[0-9a-f]+$/i.test(v)) return Number(v);
    if (/^[A-Za-z_]\w*$/.test(v)) return num(get(v));
    throw new Error(`arithmetic syntax error`);
  };
  const BIN: [string[], (a: number, b: number) => number][] = [
    [['||'], (a, b) => (a || b ? 1 : 0)],
    [['&&'], (a, b) => (a && b ? 1 : 0)],
    [['|'], (a, b) => a | b],
    [['^'], (a, b) => a ^ b],
    [['&'], (a, b) => a & b],
    [['==', '!='], () => 0],
    [['<', '<=', '>', '>='], () => 0],
    [['<<', '>>'], () => 0],
    [['+', '-'], () => 0],
    [['*', '/', '%'], () => 0],
  ];
  const apply = (op: string, a: number, b: number): number => {
    switch (op) {
      case '||': return a || b ? 1 : 0;
      case '&&': return a && b ? 1 : 0;
      case '|': return a | b;
      case '^': return a ^ b;
      case '&': return a & b;
      case '==': return a === b ? 1 : 0;
      case '!=': return a !== b ? 1 : 0;
      case '<': return a < b ? 1 : 0;
      case '<=': return a <= b ? 1 : 0;
      case '>': return a > b ? 1 : 0;
      case '>=': return a >= b ? 1 : 0;
      case '<<': return a << b;
      case '>>': return a >> b;
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '**': return a ** b;
      case '/':
      case '%':
        if (b === 0) throw new Error('divide by zero');
        return op === '/' ? Math.trunc(a / b) : a % b;
    }
    throw new Error('arithmetic syntax error');
  };
  const unary = (): number => {
    const tk = peek();
    if (tk === '-') return (next(), -unary());
    if (tk === '+') return (next(), unary());
    if (tk === '!') return (next(), unary() ? 0 : 1);
    if (tk === '~') return (next(), ~unary());
    if (tk === '++' || tk === '--') {
      next();
      const name = next()!;
      const v = num(get(name)) + (tk === '++' ? 1 : -1);
      set(name, String(v));
      return v;
    }
    if (tk === '(') {
      next();
      const v = assign();
      if (next() !== ')') throw new Error('arithmetic syntax error');
      return v;
    }
    const v = next();
    if (v !== undefined && /^[A-Za-z_]/.test(v) && (peek() === '++' || peek() === '--')) {
      const old = num(get(v));
      set(v, String(old + (next() === '++' ? 1 : -1)));
      return old;
    }
    if (v === undefined) throw new Error('arithmetic syntax error');
    return num(v);
  };
  const power = (): number => {
    const a = unary();
    if (peek() === '**') {
      next();
      return apply('**', a, power());
    }
    return a;
  };
  const binary = (level: number): number => {
    if (level >= BIN.length) return power();
    let a = binary(level + 1);
    while (peek() !== undefined && BIN[level]![0].includes(peek()!)) {
      const op = next()!;
      const b = binary(level + 1);
      a = apply(op, a, b);
    }
    return a;
  };
  const ternary = (): number => {
    const c = binary(0);
    if (peek() === '?') {
      next();
      const a = assign();
      if (next() !== ':') throw new Error('arithmetic syntax error');
      const b = assign();
      return c ? a : b;
    }
    return c;
  };
  const assign = (): number => {
    const name = t[i];
    const op = t[i + 1];
    if (name && /^[A-Za-z_]\w*$/.test(name) && op && /^([-+*/%&|^]|<<|>>)?=$/.test(op) && op !== '==') {
      i += 2;
      const v = assign();
      const r = op === '=' ? v : apply(op.slice(0, -1), num(get(name)), v);
      set(name, String(r));
      return r;
    }
    return ternary();
  };
  if (t.length === 0) return 0;
  const r = assign();
  if (i < t.length) throw new Error('arithmetic syntax error');
  return r;
}
