// Shared helpers for the built-in commands: reading inputs line by line, busybox error lines.
import type { Readable } from 'node:stream';
import { Input } from '../io.js';
import { abs, err, strerror, type Proc } from '../proc.js';

/** the name the command was called by (`/bin/cat` → `cat`) */
export function cmdName(p: Proc): string {
  const a = p.argv[0] ?? '';
  return a.slice(a.lastIndexOf('/') + 1);
}

export async function fail(p: Proc, msg: string, status = 1): Promise<number> {
  await err(p, `${cmdName(p)}: ${msg}\n`);
  return status;
}

/** opens an input operand (`-` = stdin); reports `can't open` and returns undefined on failure */
export async function openInput(p: Proc, file: string, quiet = false): Promise<{ input: Input; close: () => void } | undefined> {
  if (file === '-') return { input: p.stdin, close: () => undefined };
  let rs: Readable;
  try {
    rs = await p.fs.createReadStream(abs(p, file));
  } catch (e) {
    if (!quiet) {
      const code = (e as NodeJS.ErrnoException).code;
      await err(p, code === 'EISDIR' ? `${cmdName(p)}: read error: Is a directory\n` : `${cmdName(p)}: can't open '${file}': ${strerror(e)}\n`);
    }
    return undefined;
  }
  rs.on('error', () => undefined);
  return { input: new Input(rs), close: () => rs.destroy() };
}

/** the lines of an input, each with its newline (the last may lack one) */
export async function* lines(input: Input, signal: AbortSignal): AsyncGenerator<string> {
  // the pending part of a line is kept as chunks: a long line costs O(n), not O(n²)
  let pending: Buffer[] = [];
  let cur: Buffer | null = null;
  let start = 0;
  try {
    for (cur = await input.read(signal); cur !== null; cur = await input.read(signal)) {
      start = 0;
      let i: number;
      while ((i = cur.indexOf(10, start)) >= 0) {
        pending.push(cur.subarray(start, i + 1));
        start = i + 1;
        const line = Buffer.concat(pending).toString();
        pending = [];
        yield line;
      }
      if (start < cur.length) pending.push(cur.subarray(start));
      start = cur.length;
    }
    if (pending.length) yield Buffer.concat(pending).toString();
  } finally {
    // stopped early (head -n 1): what was not consumed goes back to the input
    if (cur && start < cur.length) input.unshift(cur.subarray(start));
  }
}

/** numbers as busybox parses them: `invalid number 'x'` otherwise */
export function parseNum(s: string | undefined): number | undefined {
  if (s === undefined || !/^[-+]?\d+$/.test(s.trim())) return undefined;
  return Number(s);
}

export function modeString(type: 'file' | 'dir' | 'symlink', mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : '-';
  const bits = ['r', 'w', 'x'];
  let s = t;
  for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  if (mode & 0o1000) s = s.slice(0, 9) + (mode & 1 ? 't' : 'T');
  return s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Sep 14 09:14` (or `Sep 14  2020` for times over six months away), as ls -l prints */
export function lsDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const recent = Math.abs(Date.now() - ms) < 182 * 24 * 3600 * 1000;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${recent ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : ` ${d.getUTCFullYear()}`}`;
}

/** `date`'s default format: `Wed Dec  2 14:53:49 UTC 2026` */
export function dateString(d: Date, fmt?: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  if (!fmt) fmt = '%a %b %e %H:%M:%S %Z %Y';
  return fmt.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case 'a': return DAYS[d.getUTCDay()]!;
      case 'b': case 'h': return MONTHS[d.getUTCMonth()]!;
      case 'e': return String(d.getUTCDate()).padStart(2, ' ');
      case 'd': return pad(d.getUTCDate());
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'Z': return 'UTC';
      case 'z': return '+0000';
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'N': return pad(d.getUTCMilliseconds() * 1_000_000, 9);
      case 'F': return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      case 'T': return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      case 'j': return pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3);
      case 'u': return String(d.getUTCDay() || 7);
      case 'w': return String(d.getUTCDay());
      case '%': return '%';
      default: return '%' + c;
    }
  });
}

/** backslash escapes as echo -e / printf understand them; `\c` stops output (returned as stop) */
export function unescape(s: string, printf = false): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'e': out += '\x1b'; break;
      case '\\': out += '\\'; break;
      case 'c': return { text: out, stop: true };
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (m) {
          out += String.fromCharCode(parseInt(m[0], 16));
          i += m[0].length;
        } else out += '\\x';
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        const m = (printf && n !== '0' ? /^[0-7]{0,2}/ : /^[0-7]{0,3}/).exec(s.slice(i + 1))!;
        const digits = n === '0' && !printf ? m[0] : n + m[0];
        out += String.fromCharCode(parseInt(digits || '0', 8) & 255);
        i += m[0].length;
        break;
      }
      default:
        out += '\\' + n;
    }
  }
  return { text: out, stop: false };
}
