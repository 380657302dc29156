// Text commands, busybox-like: echo printf head tail wc grep sort uniq cut tr sed tee seq yes xargs base64.
import { err, out, parseFlags, strerror, abs, type Command, type Proc } from '../proc.js';
import { fail, lines, openInput, parseNum, unescape } from './util.js';

const echo: Command = async (p) => {
  const args = p.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args.length && /^-[neE]+$/.test(args[0]!)) {
    const f = args.shift()!;
    if (f.includes('n')) newline = false;
    if (f.includes('e')) escapes = true;
    if (f.includes('E')) escapes = false;
  }
  let text = args.join(' ');
  if (escapes) {
    const u = unescape(text);
    text = u.text;
    if (u.stop) newline = false;
  }
  await out(p, newline ? text + '\n' : text);
  return 0;
};

/** printf FORMAT [ARGS]: %s %d %i %u %x %X %o %c %f %e %g %b %%, widths and precision */
export function formatPrintf(fmt: string, args: string[]): { text: string; bad?: string } {
  let out = '';
  let ai = 0;
  let bad: string | undefined;
  const conv = /%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([sdiuxXocfeEgGb%])/g;
  do {
    let consumed = false;
    const f = unescape(fmt, true).text;
    let last = 0;
    let m: RegExpExecArray | null;
    conv.lastIndex = 0;
    let piece = '';
    const next = () => {
      consumed = true;
      return args[ai++];
    };
    while ((m = conv.exec(f))) {
      piece += f.slice(last, m.index);
      last = conv.lastIndex;
      const [, flagStr = '', w, prec, c] = m;
      if (c === '%') {
        piece += '%';
        continue;
      }
      const width = w === '*' ? Number(next() ?? 0) : w ? Number(w) : 0;
      const precision = prec === '*' ? Number(next() ?? 0) : prec !== undefined ? Number(prec) : undefined;
      const arg = next();
      let s: string;
      switch (c) {
        case 's':
          s = arg ?? '';
          if (precision !== undefined) s = s.slice(0, precision);
          break;
        case 'b':
          s = unescape(arg ?? '').text;
          break;
        case 'c':
          s = (arg ?? '').slice(0, 1);
          break;
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
          let n = 0;
          const a = (arg ?? '').trim();
          if (a === '') n = 0;
          else if (/^[-+]?\d+$/.test(a) || /^0x[0-9a-f]+$/i.test(a)) n = Number(a);
          else if (/^['"]/.test(a)) n = a.charCodeAt(1) || 0;
          else {
            bad = `invalid number '${a}'`;
            n = parseInt(a, 10) || 0;
          }
          n = Math.trunc(n);
          s = c === 'x' ? n.toString(16) : c === 'X' ? n.toString(16).toUpperCase() : c === 'o' ? n.toString(8) : String(Math.abs(n));
          if (c === 'd' || c === 'i' || c === 'u') {
            if (precision !== undefined) s = s.padStart(precision, '0');
            s = (n < 0 ? '-' : flagStr.includes('+') ? '+' : flagStr.includes(' ') ? ' ' : '') + s;
          }
          break;
        }
        default: {
          const n = Number(arg ?? 0) || 0;
          const pr = precision ?? 6;
          s = c === 'f' ? n.toFixed(pr) : c === 'e' || c === 'E' ? n.toExponential(pr).replace(/e([+-])(\d)$/, 'e$10$2') : String(Number(n.toPrecision(pr || 1)));
          if (c === 'E' || c === 'G') s = s.toUpperCase();
          if (flagStr.includes('+') && n >= 0) s = '+' + s;
        }
      }
      if (s.length < width) {
        if (flagStr.includes('-')) s = s.padEnd(width);
        else if (flagStr.includes('0') && /[diuxXofeEgG]/.test(c!)) {
          const sign = /^[-+ ]/.test(s) ? s[0]! : '';
          s = sign + s.slice(sign.length).padStart(width - sign.length, '0');
        } else s = s.padStart(width);
      }
      piece += s;
    }
    piece += f.slice(last);
    out += piece;
    if (!consumed) break;
  } while (ai < args.length);
  return { text: out, bad };
}

const printf: Command = async (p) => {
  const [, fmt, ...args] = p.argv;
  if (fmt === undefined) return fail(p, 'usage: printf FORMAT [ARGUMENT...]');
  const { text, bad } = formatPrintf(fmt, args);
  await out(p, text);
  if (bad) return fail(p, bad);
  return 0;
};

function countArg(p: Proc, args: string[], def: number): { n: number; fromStart: boolean; bytes: boolean; files: string[]; follow: boolean; quiet: boolean } | string {
  let n = def;
  let fromStart = false;
  let bytes = false;
  let follow = false;
  let quiet = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let v: string | undefined;
    if (a === '-n' || a === '-c') {
      v = args[++i];
      bytes = a === '-c';
    } else if (/^-[nc].+/.test(a)) {
      v = a.slice(2);
      bytes = a[1] === 'c';
    } else if (/^-\d+$/.test(a)) v = a.slice(1);
    else if (a === '-f' || a === '-F') follow = true;
    else if (a === '-q') quiet = true;
    else if (a === '-v') continue;
    else if (a === '--') {
      files.push(...args.slice(i + 1));
      break;
    } else {
      files.push(a);
      continue;
    }
    if (v === undefined) return `option requires an argument -- ${bytes ? 'c' : 'n'}`;
    if (v.startsWith('+')) {
      fromStart = true;
      v = v.slice(1);
    } else if (v.startsWith('-')) v = v.slice(1);
    const num = parseNum(v.replace(/[kKmMbB]$/, ''));
    if (num === undefined) return `invalid number '${v}'`;
    n = num * (/[kK]$/.test(v) ? 1024 : /[mM]$/.test(v) ? 1048576 : /b$/.test(v) ? 512 : 1);
  }
  void p;
  return { n, fromStart, bytes, files, follow, quiet };
}

const head: Command = async (p) => {
  const o = countArg(p, p.argv.slice(1), 10);
  if (typeof o === 'string') return fail(p, o);
  const files = o.files.length ? o.files : ['-'];
  let st = 0;
  for (const [idx, f] of files.entries()) {
    const src = await openInput(p, f);
    if (!src) {
      st = 1;
      continue;
    }
    if (files.length > 1 && !o.quiet) await out(p, `${idx ? '\n' : ''}==> ${f === '-' ? 'standard input' : f} <==\n`);
    try {
      if (o.bytes) {
        let left = o.n;
        while (left > 0) {
          const c = await src.input.read(p.signal);
          if (c === null) break;
          if (c.length > left) {
            await out(p, c.subarray(0, left));
            src.input.unshift(c.subarray(left));
            left = 0;
          } else {
            await out(p, c);
            left -= c.length;
          }
        }
      } else {
        let left = o.n;
        if (left > 0) {
          for await (const l of lines(src.input, p.signal)) {
            await out(p, l);
            if (--left <= 0) break;
          }
        }
      }
    } finally {
      src.close();
    }
  }
  return st;
};

const tail: Command = async (p) => {
  const o = countArg(p, p.argv.slice(1), 10);
  if (typeof o === 'string') return fail(p, o);
  const files = o.files.length ? o.files : ['-'];
  let st = 0;
  for (const [idx, f] of files.entries()) {
    const src = await openInput(p, f);
    if (!src) {
      st = 1;
      continue;
    }
    if (files.length > 1 && !o.quiet) await out(p, `${idx ? '\n' : ''}==> ${f === '-' ? 'standard input' : f} <==\n`);
    try {
      if (o.bytes) {
        if (o.fromStart) {
          // tail -c +N: from byte N on (kubectl cp's resume uses it)
          let skip = Math.max(0, o.n - 1);
          for (let c = await src.input.read(p.signal); c !== null; c = await src.input.read(p.signal)) {
            if (skip >= c.length) {
              skip -= c.length;
              continue;
            }
            await out(p, c.subarray(skip));
            skip = 0;
          }
        } else {
          let buf = Buffer.alloc(0);
          for (let c = await src.input.read(p.signal); c !== null; c = await src.input.read(p.signal)) {
            buf = Buffer.concat([buf, c]);
            if (buf.length > o.n) buf = buf.subarray(buf.length - o.n);
          }
          await out(p, o.n === 0 ? '' : buf);
        }
      } else if (o.fromStart) {
        let i = 0;
        for await (const l of lines(src.input, p.signal)) if (++i >= o.n) await out(p, l);
      } else {
        const keep: string[] = [];
        for await (const l of lines(src.input, p.signal)) {
          keep.push(l);
          if (keep.length > o.n) keep.shift();
        }
        if (o.n > 0) await out(p, keep.join(''));
      }
    } finally {
      src.close();
    }
    if (o.follow && f !== '-') {
      // follow: poll the file's size until aborted
      let size = (await p.fs.stat(abs(p, f)).catch(() => undefined))?.size ?? 0;
      while (!p.signal.aborted) {
        await new Promise((r) => setTimeout(r, 250));
        const s = await p.fs.stat(abs(p, f)).catch(() => undefined);
        if (!s) continue;
        if (s.size > size) {
          const data = await p.fs.readFile(abs(p, f));
          await out(p, data.subarray(size));
        }
        size = s.size;
      }
      return 130;
    }
  }
  return st;
};

const wc: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const all = !flags.has('l') && !flags.has('w') && !flags.has('c') && !flags.has('m');
  const files = operands.length ? operands : ['-'];
  let st = 0;
  const total = [0, 0, 0];
  const fmt = (l: number, w: number, c: number, name: string) => {
    const cols: string[] = [];
    const width = all || files.length > 1 ? 7 : 0;
    if (all || flags.has('l')) cols.push(String(l).padStart(width));
    if (all || flags.has('w')) cols.push(String(w).padStart(width));
    if (all || flags.has('c') || flags.has('m')) cols.push(String(c).padStart(width));
    return cols.join(' ') + (name === '-' ? '' : ' ' + name) + '\n';
  };
  for (const f of files) {
    const src = await openInput(p, f);
    if (!src) {
      st = 1;
      continue;
    }
    let l = 0;
    let w = 0;
    let c = 0;
    let inWord = false;
    for (let b = await src.input.read(p.signal); b !== null; b = await src.input.read(p.signal)) {
      c += b.length;
      for (const byte of b) {
        if (byte === 10) l++;
        const space = byte === 32 || (byte >= 9 && byte <= 13);
        if (!space && !inWord) w++;
        inWord = !space;
      }
    }
    src.close();
    total[0]! += l;
    total[1]! += w;
    total[2]! += c;
    await out(p, fmt(l, w, c, operands.length ? f : '-'));
  }
  if (files.length > 1) await out(p, fmt(total[0]!, total[1]!, total[2]!, 'total'));
  return st;
};

/** a basic regular expression as a JavaScript one (`\(`, `\|`, `\{` are the groups in BRE) */
export function breToJs(re: string, extended: boolean): string {
  if (extended) return re.replace(/\[\[:(\w+):\]\]/g, (_m, c) => `[${posixClass(c)}]`).replace(/\[:(\w+):\]/g, (_m, c) => posixClass(c));
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\') {
      const n = re[++i] ?? '\\';
      if ('(){}|+?'.includes(n)) out += n;
      else out += '\\' + n;
      continue;
    }
    if ('(){}|+?'.includes(c)) out += '\\' + c;
    else if (c === '[') {
      const end = re.indexOf(']', i + (re[i + 1] === '^' ? 3 : 2));
      if (end < 0) {
        out += '\\[';
        continue;
      }
      out += re.slice(i, end + 1).replace(/\[:(\w+):\]/g, (_m, k) => posixClass(k));
      i = end;
    } else out += c;
  }
  return out;
}

function posixClass(c: string): string {
  const map: Record<string, string> = {
    alpha: 'a-zA-Z',
    digit: '0-9',
    alnum: 'a-zA-Z0-9',
    upper: 'A-Z',
    lower: 'a-z',
    space: ' \\t\\n\\r\\f\\v',
    blank: ' \\t',
    punct: '!-\\/:-@\\[-`{-~',
    xdigit: '0-9A-Fa-f',
  };
  return map[c] ?? '';
}

const grep: Command = async (p) => {
  const { flags, operands, bad } = parseFlags(p.argv.slice(1), 'eAfm');
  if (bad) return fail(p, `option requires an argument -- ${bad}`, 2);
  const patterns: string[] = [];
  if (typeof flags.get('e') === 'string') patterns.push(flags.get('e') as string);
  const args = [...operands];
  if (!patterns.length) {
    if (!args.length) return fail(p, 'usage: grep [-EFivwxcqlnHhos] PATTERN [FILE]...', 2);
    patterns.push(args.shift()!);
  }
  const extended = flags.has('E') || p.argv[0]!.endsWith('egrep');
  const fixed = flags.has('F') || p.argv[0]!.endsWith('fgrep');
  const ci = flags.has('i');
  const invert = flags.has('v');
  const count = flags.has('c');
  const quiet = flags.has('q') || flags.has('s') && false;
  const listFiles = flags.has('l');
  const number = flags.has('n');
  const onlyMatching = flags.has('o');
  const word = flags.has('w');
  const whole = flags.has('x');
  const max = typeof flags.get('m') === 'string' ? Number(flags.get('m')) : Infinity;
  let res: RegExp[];
  try {
    res = patterns
      .flatMap((pt) => pt.split('\n'))
      .map((pt) => {
        let src = fixed ? pt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : breToJs(pt, extended);
        if (word) src = `\\b(?:${src})\\b`;
        if (whole) src = `^(?:${src})$`;
        return new RegExp(src, ci ? 'gi' : 'g');
      });
  } catch {
    return fail(p, `bad regex '${patterns[0]}'`, 2);
  }
  const files = args.length ? args : ['-'];
  const showName = (files.length > 1 || flags.has('r')) && !flags.has('h') || flags.has('H');
  let matched = false;
  let errors = false;
  for (const f of files) {
    const src = await openInput(p, f, flags.has('s'));
    if (!src) {
      errors = true;
      continue;
    }
    let n = 0;
    let c = 0;
    try {
      for await (const raw of lines(src.input, p.signal)) {
        n++;
        const line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
        let hit = false;
        const found: string[] = [];
        for (const re of res) {
          re.lastIndex = 0;
          if (onlyMatching && !invert) {
            for (const m of line.matchAll(re)) if (m[0]) found.push(m[0]);
            if (found.length) hit = true;
          } else if (re.test(line)) hit = true;
        }
        if (hit === invert) continue;
        matched = true;
        c++;
        if (quiet) return 0;
        if (listFiles) break;
        if (!count) {
          const prefix = (showName ? `${f === '-' ? '(standard input)' : f}:` : '') + (number ? `${n}:` : '');
          if (onlyMatching && !invert) for (const m of found) await out(p, prefix + m + '\n');
          else await out(p, prefix + line + '\n');
        }
        if (c >= max) break;
      }
    } finally {
      src.close();
    }
    if (count) await out(p, (showName ? `${f === '-' ? '(standard input)' : f}:` : '') + c + '\n');
    if (listFiles && c > 0) await out(p, (f === '-' ? '(standard input)' : f) + '\n');
  }
  if (errors && !quiet) return 2;
  return matched ? 0 : 1;
};

const sort: Command = async (p) => {
  const { flags, operands, bad } = parseFlags(p.argv.slice(1), 'tko');
  if (bad) return fail(p, `option requires an argument -- ${bad}`);
  const files = operands.length ? operands : ['-'];
  const all: string[] = [];
  let st = 0;
  for (const f of files) {
    const src = await openInput(p, f);
    if (!src) {
      st = 2;
      continue;
    }
    for await (const l of lines(src.input, p.signal)) all.push(l.endsWith('\n') ? l.slice(0, -1) : l);
    src.close();
  }
  if (st) return st;
  const sep = typeof flags.get('t') === 'string' ? (flags.get('t') as string) : undefined;
  const keySpec = typeof flags.get('k') === 'string' ? (flags.get('k') as string) : undefined;
  const numeric = flags.has('n') || /n/.test(keySpec ?? '');
  const keyOf = (l: string): string => {
    if (!keySpec) return l;
    const m = /^(\d+)(?:\.\d+)?[a-z]*(?:,(\d+))?/.exec(keySpec);
    if (!m) return l;
    const start = Number(m[1]) - 1;
    const end = m[2] ? Number(m[2]) : undefined;
    const fields = sep ? l.split(sep) : l.trim().split(/\s+/);
    return fields.slice(start, end).join(sep ?? ' ');
  };
  const fold = flags.has('f');
  all.sort((a, b) => {
    let ka = keyOf(a);
    let kb = keyOf(b);
    if (numeric) {
      const d = (parseFloat(ka) || 0) - (parseFloat(kb) || 0);
      if (d !== 0) return d;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    if (fold) {
      ka = ka.toLowerCase();
      kb = kb.toLowerCase();
    }
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (flags.has('r')) all.reverse();
  let result = all;
  if (flags.has('u')) result = all.filter((l, i) => i === 0 || keyOf(l) !== keyOf(all[i - 1]!));
  const target = flags.get('o');
  if (typeof target === 'string') {
    await p.fs.writeFile(abs(p, target), result.map((l) => l + '\n').join(''));
    return 0;
  }
  for (const l of result) await out(p, l + '\n');
  return 0;
};

const uniq: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const src = await openInput(p, operands[0] ?? '-');
  if (!src) return 1;
  let prev: string | undefined;
  let n = 0;
  const emit = async () => {
    if (prev === undefined) return;
    if (flags.has('d') && n < 2) return;
    if (flags.has('u') && n > 1) return;
    await out(p, (flags.has('c') ? `${String(n).padStart(7)} ` : '') + prev + '\n');
  };
  for await (const raw of lines(src.input, p.signal)) {
    const l = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    const same = prev !== undefined && (flags.has('i') ? prev.toLowerCase() === l.toLowerCase() : prev === l);
    if (same) n++;
    else {
      await emit();
      prev = l;
      n = 1;
    }
  }
  await emit();
  src.close();
  return 0;
};

function parseList(spec: string): ((i: number) => boolean) | undefined {
  const ranges: [number, number][] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (!m[1] && !m[3])) return undefined;
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    ranges.push([a, b]);
  }
  return (i) => ranges.some(([a, b]) => i >= a && i <= b);
}

const cut: Command = async (p) => {
  const { flags, operands, bad } = parseFlags(p.argv.slice(1), 'dfcb');
  if (bad) return fail(p, `option requires an argument -- ${bad}`);
  const spec = (flags.get('f') ?? flags.get('c') ?? flags.get('b')) as string | undefined;
  if (typeof spec !== 'string') return fail(p, 'expected a list of bytes, characters, or fields');
  const sel = parseList(spec);
  if (!sel) return fail(p, `invalid range '${spec}'`);
  const delim = typeof flags.get('d') === 'string' ? (flags.get('d') as string) : '\t';
  const byField = flags.has('f');
  const files = operands.length ? operands : ['-'];
  for (const f of files) {
    const src = await openInput(p, f);
    if (!src) continue;
    for await (const raw of lines(src.input, p.signal)) {
      const l = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
      if (byField) {
        if (!l.includes(delim)) {
          if (!flags.has('s')) await out(p, l + '\n');
          continue;
        }
        await out(p, l.split(delim).filter((_x, i) => sel(i + 1)).join(delim) + '\n');
      } else await out(p, [...l].filter((_x, i) => sel(i + 1)).join('') + '\n');
    }
    src.close();
  }
  return 0;
};

function expandSet(s: string): string[] {
  const u = unescape(s).text;
  const chars: string[] = [];
  const classes: Record<string, string> = {
    '[:upper:]': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    '[:lower:]': 'abcdefghijklmnopqrstuvwxyz',
    '[:digit:]': '0123456789',
    '[:space:]': ' \t\n\r\f\v',
    '[:blank:]': ' \t',
  };
  for (let i = 0; i < u.length; i++) {
    const cls = Object.keys(classes).find((k) => u.startsWith(k, i));
    if (cls) {
      chars.push(...classes[cls]!);
      i += cls.length - 1;
      continue;
    }
    if (u[i + 1] === '-' && i + 2 < u.length) {
      for (let c = u.charCodeAt(i); c <= u.charCodeAt(i + 2); c++) chars.push(String.fromCharCode(c));
      i += 2;
    } else chars.push(u[i]!);
  }
  return chars;
}

const tr: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const del = flags.has('d');
  const squeeze = flags.has('s');
  const set1 = expandSet(operands[0] ?? '');
  const set2 = expandSet(operands[1] ?? '');
  if (!operands[0]) return fail(p, 'missing operand');
  const inSet1 = (c: string) => (flags.has('c') ? !set1.includes(c) : set1.includes(c));
  let last = '';
  for (let b = await p.stdin.read(p.signal); b !== null; b = await p.stdin.read(p.signal)) {
    let o = '';
    for (const c of b.toString('latin1')) {
      let r = c;
      if (inSet1(c)) {
        if (del) continue;
        if (set2.length) {
          const i = set1.indexOf(c);
          r = set2[Math.min(i < 0 ? set2.length - 1 : i, set2.length - 1)]!;
        }
      }
      if (squeeze && r === last && (set2.length ? set2.includes(r) : set1.includes(r))) continue;
      last = r;
      o += r;
    }
    await out(p, Buffer.from(o, 'latin1'));
  }
  return 0;
};

/** sed: `s/re/rep/[g][p][N]`, `p`, `d`, `q`, with -n, -e, -i, -E and line / regex addresses */
const sed: Command = async (p) => {
  const args = p.argv.slice(1);
  const scripts: string[] = [];
  let quiet = false;
  let inPlace = false;
  let extended = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') quiet = true;
    else if (a === '-e') scripts.push(args[++i] ?? '');
    else if (a === '-i') inPlace = true;
    else if (a === '-E' || a === '-r') extended = true;
    else if (/^-[nEri]+$/.test(a)) {
      if (a.includes('n')) quiet = true;
      if (a.includes('i')) inPlace = true;
      if (a.includes('E') || a.includes('r')) extended = true;
    } else if (!scripts.length && !files.length && a[0] !== '-') scripts.push(a);
    else files.push(a);
  }
  type Cmd = { addr?: (n: number, l: string, last: boolean) => boolean; op: string; re?: RegExp; rep?: string; global?: boolean; print?: boolean; text?: string };
  const cmds: Cmd[] = [];
  for (const script of scripts.flatMap((s) => s.split(/\n|;(?![^/]*\/[^/]*$)/))) {
    let s = script.trim();
    if (!s) continue;
    let addr: Cmd['addr'];
    const am = /^(\d+|\$|\/(?:[^/\\]|\\.)*\/)(?:,(\d+|\$|\/(?:[^/\\]|\\.)*\/))?/.exec(s);
    if (am) {
      const one = (x: string) =>
        x === '$'
          ? (_n: number, _l: string, last: boolean) => last
          : x.startsWith('/')
            ? (_n: number, l: string) => new RegExp(breToJs(x.slice(1, -1), extended)).test(l)
            : (n: number) => n === Number(x);
      const a1 = one(am[1]!);
      if (am[2]) {
        const a2 = one(am[2]);
        let inRange = false;
        addr = (n, l, last) => {
          if (!inRange) {
            if (a1(n, l, last)) {
              inRange = true;
              if (/^\d+$/.test(am[2]!) && Number(am[2]) <= n) inRange = false;
              return true;
            }
            return false;
          }
          if (a2(n, l, last)) inRange = false;
          return true;
        };
      } else addr = a1;
      s = s.slice(am[0].length).trim();
    }
    const op = s[0];
    if (op === 's') {
      const d = s[1]!;
      const parts: string[] = [];
      let cur = '';
      for (let i = 2; i < s.length; i++) {
        if (s[i] === '\\' && s[i + 1] === d) {
          cur += d;
          i++;
        } else if (s[i] === '\\') {
          cur += s[i]! + (s[i + 1] ?? '');
          i++;
        } else if (s[i] === d) {
          parts.push(cur);
          cur = '';
        } else cur += s[i];
      }
      parts.push(cur);
      if (parts.length < 3) return fail(p, `unmatched '${op}'`);
      const fl = parts[2]!;
      let re: RegExp;
      try {
        re = new RegExp(breToJs(parts[0]!, extended), 'g' + (fl.includes('I') || fl.includes('i') ? 'i' : ''));
      } catch {
        return fail(p, `bad regex '${parts[0]}'`);
      }
      const rep = parts[1]!.replace(/\\(\d)/g, '$$$1').replace(/(^|[^\\])&/g, '$1$$&').replace(/\\&/g, '&').replace(/\\n/g, '\n');
      cmds.push({ addr, op: 's', re, rep, global: fl.includes('g'), print: fl.includes('p') });
    } else if (op === 'p' || op === 'd' || op === 'q' || op === '=') cmds.push({ addr, op });
    else if (op === 'a' || op === 'i' || op === 'c') cmds.push({ addr, op, text: s.slice(1).replace(/^\\?\s*/, '') });
    else if (op === 'y') {
      const [, from = '', to = ''] = s.split(s[1]!);
      cmds.push({ addr, op: 'y', text: from + '\0' + to });
    } else return fail(p, `unsupported command ${op ?? ''}`);
  }
  const run = async (src: { input: import('../io.js').Input }, emit: (s: string) => Promise<void>) => {
    let n = 0;
    const it = lines(src.input, p.signal);
    let next = await it.next();
    while (!next.done) {
      const raw = next.value;
      next = await it.next();
      const last = next.done === true;
      n++;
      const nl = raw.endsWith('\n') ? '\n' : '';
      let line = nl ? raw.slice(0, -1) : raw;
      let deleted = false;
      let quit = false;
      const after: string[] = [];
      for (const c of cmds) {
        if (c.addr && !c.addr(n, line, last)) continue;
        if (c.op === 's') {
          c.re!.lastIndex = 0;
          if (c.re!.test(line)) {
            c.re!.lastIndex = 0;
            line = c.global ? line.replace(c.re!, c.rep!) : line.replace(new RegExp(c.re!.source, c.re!.flags.replace('g', '')), c.rep!);
            if (c.print) await emit(line + '\n');
          }
        } else if (c.op === 'p') await emit(line + '\n');
        else if (c.op === '=') await emit(n + '\n');
        else if (c.op === 'd') {
          deleted = true;
          break;
        } else if (c.op === 'q') {
          quit = true;
          break;
        } else if (c.op === 'a') after.push(c.text! + '\n');
        else if (c.op === 'i') await emit(c.text! + '\n');
        else if (c.op === 'c') {
          await emit(c.text! + '\n');
          deleted = true;
          break;
        } else if (c.op === 'y') {
          const [from, to] = c.text!.split('\0') as [string, string];
          line = [...line].map((ch) => (from.includes(ch) ? (to[from.indexOf(ch)] ?? ch) : ch)).join('');
        }
      }
      if (!deleted && !quiet) await emit(line + nl);
      for (const a of after) await emit(a);
      if (quit) return;
    }
  };
  if (inPlace) {
    for (const f of files) {
      const src = await openInput(p, f);
      if (!src) return 1;
      let result = '';
      await run(src, async (s) => {
        result += s;
      });
      src.close();
      await p.fs.writeFile(abs(p, f), result);
    }
    return 0;
  }
  let st = 0;
  for (const f of files.length ? files : ['-']) {
    const src = await openInput(p, f);
    if (!src) {
      st = 2;
      continue;
    }
    await run(src, (s) => out(p, s));
    src.close();
  }
  return st;
};

const tee: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const outs: import('node:stream').Writable[] = [];
  let st = 0;
  for (const f of operands) {
    try {
      outs.push(await p.fs.createWriteStream(abs(p, f), { append: flags.has('a') }));
    } catch (e) {
      await err(p, `tee: ${f}: ${strerror(e)}\n`);
      st = 1;
    }
  }
  try {
    for (let b = await p.stdin.read(p.signal); b !== null; b = await p.stdin.read(p.signal)) {
      for (const w of outs) w.write(b);
      await out(p, b);
    }
  } finally {
    await Promise.all(outs.map((w) => new Promise<void>((r) => w.end(() => r()))));
  }
  return st;
};

const seq: Command = async (p) => {
  const args = p.argv.slice(1);
  let sep = '\n';
  let width = false;
  while (args.length && /^-[swf]/.test(args[0]!) && !/^-\d/.test(args[0]!)) {
    const a = args.shift()!;
    if (a === '-s') sep = args.shift() ?? '\n';
    else if (a.startsWith('-s')) sep = a.slice(2);
    else if (a === '-w') width = true;
  }
  const nums = args.map(Number);
  if (!nums.length || nums.some((n) => Number.isNaN(n))) return fail(p, `invalid number '${args.find((a) => Number.isNaN(Number(a))) ?? ''}'`);
  const [first, inc, last] = nums.length === 1 ? [1, 1, nums[0]!] : nums.length === 2 ? [nums[0]!, 1, nums[1]!] : [nums[0]!, nums[1]!, nums[2]!];
  if (inc === 0) return 1;
  const dec = Math.max(...args.map((a) => (a.includes('.') ? a.split('.')[1]!.length : 0)));
  const w = width ? Math.max(String(first).length, String(last).length) : 0;
  let firstOut = true;
  for (let i = first; inc > 0 ? i <= last + 1e-9 : i >= last - 1e-9; i += inc) {
    await out(p, (firstOut ? '' : sep) + i.toFixed(dec).padStart(w, '0'));
    firstOut = false;
  }
  if (!firstOut) await out(p, '\n');
  return 0;
};

const yes: Command = async (p) => {
  const line = (p.argv.length > 1 ? p.argv.slice(1).join(' ') : 'y') + '\n';
  const chunk = line.repeat(Math.max(1, Math.floor(4096 / line.length)));
  for (;;) await out(p, chunk);
};

const xargs: Command = async (p) => {
  const args = p.argv.slice(1);
  let replace: string | undefined;
  let maxArgs = Infinity;
  let nullSep = false;
  let noRunEmpty = false;
  let trace = false;
  while (args.length && args[0]!.startsWith('-')) {
    const a = args.shift()!;
    if (a === '-I') replace = args.shift();
    else if (a.startsWith('-I')) replace = a.slice(2);
    else if (a === '-n') maxArgs = Number(args.shift());
    else if (/^-n\d+$/.test(a)) maxArgs = Number(a.slice(2));
    else if (a === '-0') nullSep = true;
    else if (a === '-r') noRunEmpty = true;
    else if (a === '-t') trace = true;
    else if (a === '--') break;
  }
  const cmd = args.length ? args : ['echo'];
  const text = (await p.stdin.readAll(p.signal)).toString();
  let items: string[];
  if (replace !== undefined) items = text.split('\n').filter((l) => l !== '');
  else if (nullSep) items = text.split('\0').filter((l) => l !== '');
  else items = [...text.matchAll(/"([^"]*)"|'([^']*)'|((?:\\.|[^\s"'])+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!.replace(/\\(.)/g, '$1'));
  if (!items.length && (noRunEmpty || replace !== undefined)) return 0;
  let st = 0;
  const runOne = async (argv: string[]) => {
    if (trace) await err(p, argv.join(' ') + '\n');
    const r = await p.exec(argv);
    if (r === 127) st = 127;
    else if (r !== 0 && st === 0) st = 123;
  };
  if (replace !== undefined) {
    for (const it of items) await runOne(cmd.map((c) => c.split(replace!).join(it)));
    return st;
  }
  if (!items.length) {
    await runOne(cmd);
    return st;
  }
  for (let i = 0; i < items.length; i += maxArgs === Infinity ? items.length : maxArgs) {
    await runOne([...cmd, ...items.slice(i, maxArgs === Infinity ? undefined : i + maxArgs)]);
  }
  return st;
};

const base64: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const src = await openInput(p, operands[0] ?? '-');
  if (!src) return 1;
  const data = await src.input.readAll(p.signal);
  src.close();
  if (flags.has('d')) await out(p, Buffer.from(data.toString().replace(/\s/g, ''), 'base64'));
  else {
    const s = data.toString('base64');
    await out(p, (s.match(/.{1,76}/g) ?? ['']).join('\n') + '\n');
  }
  return 0;
};

export const TEXT_COMMANDS: Record<string, Command> = {
  echo,
  printf,
  head,
  tail,
  wc,
  grep,
  egrep: grep,
  fgrep: grep,
  sort,
  uniq,
  cut,
  tr,
  sed,
  tee,
  seq,
  yes,
  xargs,
  base64,
};
