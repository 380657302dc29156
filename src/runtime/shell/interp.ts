// The built-in shell's interpreter (busybox ash behaviour): expansion, redirections, pipelines,
// control flow, the special built-ins that change the shell's own state, and command lookup.
import { PassThrough, Readable, type Writable } from 'node:stream';
import { normalizePath } from '../fs.js';
import type { ContainerFS, PodNetwork } from '../types.js';
import { arith, escapeGlob, expandGlob, globMatch, globSource, hasGlob } from './glob.js';
import { Aborted, BrokenPipe, Input, finish, nullSink, write } from './io.js';
import { isName, parse, parseDqText, ParseError, type Node, type Redir, type Word, type WordPart } from './parser.js';
import { strerror, type Proc } from './proc.js';
import { COMMANDS } from './commands/index.js';

export class ExitSignal {
  constructor(readonly code: number) {}
}
class LoopSignal {
  constructor(
    readonly kind: 'break' | 'continue',
    public n: number,
  ) {}
}
class ReturnSignal {
  constructor(readonly code: number) {}
}

export interface Io {
  stdin: Input;
  stdout: Writable;
  stderr: Writable;
}

export interface ShellBase {
  fs: ContainerFS;
  hostname: string;
  network: PodNetwork;
  tty?: boolean;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
export const BIN_DIRS = new Set(['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

/** where a built-in command "lives" (`which cat` → /bin/cat) */
export function toolPath(name: string): string {
  return ['env', 'wget', 'nslookup', 'id', 'whoami', 'which', 'xargs', 'head', 'tail', 'wc', 'sort', 'uniq', 'cut', 'tr', 'tee', 'seq', 'yes', 'basename', 'dirname', 'printf', 'test', '[', 'curl', 'printenv'].includes(name)
    ? `/usr/bin/${name}`
    : `/bin/${name}`;
}

export function isShellName(argv0: string): boolean {
  const base = argv0.includes('/') ? argv0.slice(argv0.lastIndexOf('/') + 1) : argv0;
  if (!SHELLS.has(base)) return false;
  return !argv0.includes('/') || BIN_DIRS.has(argv0.slice(0, argv0.lastIndexOf('/')) || '/');
}

/** argv[0] as a built-in command name (`cat`, `/bin/cat`), or undefined */
export function builtinName(argv0: string): string | undefined {
  if (!argv0.includes('/')) return Object.hasOwn(COMMANDS, argv0) ? argv0 : undefined;
  const i = argv0.lastIndexOf('/');
  const dir = normalizePath(argv0.slice(0, i) || '/');
  const base = argv0.slice(i + 1);
  return BIN_DIRS.has(dir) && Object.hasOwn(COMMANDS, base) ? base : undefined;
}

interface Field {
  s: string;
  pat: string;
  glob: boolean;
  /** a quoted part (even empty) makes the field exist */
  real: boolean;
}

export class Shell {
  vars = new Map<string, string>();
  exported = new Set<string>();
  funcs = new Map<string, Node>();
  args: string[] = [];
  name = 'sh';
  cwd: string;
  status = 0;
  opts = { errexit: false, xtrace: false, pipefail: false, nounset: false };
  condDepth = 0;
  lastBg = '';
  readonly pid: number;
  bgJobs = new Set<Promise<number>>();
  signal: AbortSignal;
  interactive = false;
  tty = false;
  exitTrap: string | undefined;

  constructor(
    readonly base: ShellBase,
    env: Record<string, string>,
    cwd: string,
    signal: AbortSignal,
    pid?: number,
  ) {
    for (const [k, v] of Object.entries(env)) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    if (!this.vars.has('PATH')) {
      this.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
      this.exported.add('PATH');
    }
    this.vars.set('PWD', cwd);
    this.exported.add('PWD');
    if (!this.vars.has('IFS')) this.vars.set('IFS', ' \t\n');
    this.cwd = cwd;
    this.signal = signal;
    this.pid = pid ?? 10 + Math.floor(Math.random() * 200);
  }

  /** a subshell: a copy of the state */
  clone(signal = this.signal): Shell {
    const s = new Shell(this.base, {}, this.cwd, signal, this.pid);
    s.vars = new Map(this.vars);
    s.exported = new Set(this.exported);
    s.funcs = new Map(this.funcs);
    s.args = [...this.args];
    s.name = this.name;
    s.status = this.status;
    s.opts = { ...this.opts };
    s.lastBg = this.lastBg;
    s.tty = this.tty;
    return s;
  }

  envObject(extra?: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) env[k] = v;
    }
    return { ...env, ...extra };
  }

  private checkAbort(): void {
    if (this.signal.aborted) throw new Aborted();
  }

  async err(io: Io, msg: string): Promise<void> {
    await write(io.stderr, `${this.name === 'sh' || this.interactive ? 'sh' : this.name}: ${msg}\n`).catch(() => undefined);
  }

  /** runs a program's text; a parse error is reported as ash does (status 2) */
  async runText(src: string, io: Io): Promise<number> {
    let node: Node;
    try {
      node = parse(src);
    } catch (e) {
      if (e instanceof ParseError) {
        await this.err(io, e.message);
        this.status = 2;
        return 2;
      }
      throw e;
    }
    return this.run(node, io);
  }

  async run(node: Node, io: Io): Promise<number> {
    this.checkAbort();
    let st: number;
    switch (node.t) {
      case 'list':
        st = 0;
        for (const item of node.items) {
          if (item.bg) {
            this.background(item.node, io);
            st = 0;
          } else {
            st = await this.run(item.node, io);
            if (st !== 0 && this.opts.errexit && this.condDepth === 0 && item.node.t !== 'andor') throw new ExitSignal(st);
          }
          this.status = st;
        }
        this.status = st;
        return st;
      case 'andor': {
        this.condDepth++;
        try {
          st = await this.run(node.first, io);
        } finally {
          this.condDepth--;
        }
        for (let i = 0; i < node.rest.length; i++) {
          const r = node.rest[i]!;
          this.status = st;
          if ((r.op === '&&') !== (st === 0)) continue;
          const last = i === node.rest.length - 1;
          if (!last) this.condDepth++;
          try {
            st = await this.run(r.node, io);
          } finally {
            if (!last) this.condDepth--;
          }
          if (last && st !== 0 && this.opts.errexit && this.condDepth === 0) throw new ExitSignal(st);
        }
        this.status = st;
        return st;
      }
      case 'pipeline':
        st = await this.pipeline(node, io);
        break;
      case 'simple':
        st = await this.simple(node, io);
        break;
      case 'if': {
        st = 0;
        let done = false;
        for (const c of node.clauses) {
          this.condDepth++;
          let cs: number;
          try {
            cs = await this.run(c.cond, io);
          } finally {
            this.condDepth--;
          }
          if (cs === 0) {
            st = await this.run(c.body, io);
            done = true;
            break;
          }
        }
        if (!done && node.else) st = await this.run(node.else, io);
        break;
      }
      case 'for': {
        const words = node.words ? await this.expandWords(node.words, io) : [...this.args];
        st = 0;
        for (const w of words) {
          this.vars.set(node.name, w);
          try {
            st = await this.run(node.body, io);
          } catch (e) {
            if (e instanceof LoopSignal) {
              if (--e.n > 0) throw e;
              if (e.kind === 'break') break;
              continue;
            }
            throw e;
          }
        }
        break;
      }
      case 'while': {
        st = 0;
        for (;;) {
          this.checkAbort();
          this.condDepth++;
          let cs: number;
          try {
            cs = await this.run(node.cond, io);
          } finally {
            this.condDepth--;
          }
          if ((cs === 0) === node.until) break;
          try {
            st = await this.run(node.body, io);
          } catch (e) {
            if (e instanceof LoopSignal) {
              if (--e.n > 0) throw e;
              if (e.kind === 'break') break;
              continue;
            }
            throw e;
          }
          // let timers and I/O run in tight loops
          await new Promise((r) => setImmediate(r));
        }
        break;
      }
      case 'case': {
        const w = (await this.expandWord(node.word, io, false)).join(' ');
        st = 0;
        outer: for (const item of node.items) {
          for (const p of item.patterns) {
            const pat = await this.expandPattern(p, io);
            if (globMatch(pat, w)) {
              if (item.body) st = await this.run(item.body, io);
              break outer;
            }
          }
        }
        break;
      }
      case 'group':
        st = await this.run(node.body, io);
        break;
      case 'subshell': {
        const sub = this.clone();
        try {
          st = await sub.run(node.body, io);
        } catch (e) {
          if (e instanceof ExitSignal) st = e.code;
          else throw e;
        }
        break;
      }
      case 'func':
        this.funcs.set(node.name, node.body);
        st = 0;
        break;
      case 'redir': {
        const r = await this.redirect(node.redirs, io);
        if (!r) {
          st = 1;
          break;
        }
        try {
          st = await this.run(node.node, r.io);
        } finally {
          await r.close();
        }
        break;
      }
    }
    this.status = st;
    return st;
  }

  private background(node: Node, io: Io): void {
    const sub = this.clone();
    const bgIo: Io = { stdin: new Input(), stdout: io.stdout, stderr: io.stderr };
    const p = sub
      .run(node, bgIo)
      .catch((e) => (e instanceof ExitSignal ? e.code : 1))
      .finally(() => this.bgJobs.delete(p));
    this.bgJobs.add(p);
    this.lastBg = String(this.pid + this.bgJobs.size);
  }

  private async pipeline(node: Extract<Node, { t: 'pipeline' }>, io: Io): Promise<number> {
    if (node.bang) this.condDepth++;
    try {
      const n = node.cmds.length;
      if (n === 1) {
        const st = await this.run(node.cmds[0]!, io);
        return node.bang ? (st === 0 ? 1 : 0) : st;
      }
      const pipes = Array.from({ length: n - 1 }, () => {
        const p = new PassThrough();
        p.on('error', () => undefined);
        return p;
      });
      const runs = node.cmds.map(async (cmd, i) => {
        const sub = this.clone();
        const cio: Io = {
          stdin: i === 0 ? io.stdin : new Input(pipes[i - 1]),
          stdout: i === n - 1 ? io.stdout : pipes[i]!,
          stderr: io.stderr,
        };
        let st: number;
        try {
          st = await sub.run(cmd, cio);
        } catch (e) {
          if (e instanceof ExitSignal) st = e.code;
          else if (e instanceof BrokenPipe) st = 141;
          else throw e;
        } finally {
          if (i < n - 1) pipes[i]!.end();
          // the reader is gone: writers to it get a broken pipe
          if (i > 0) pipes[i - 1]!.destroy();
        }
        return st;
      });
      const sts = await Promise.all(runs);
      let st = sts[n - 1]!;
      if (this.opts.pipefail) st = [...sts].reverse().find((s) => s !== 0) ?? 0;
      return node.bang ? (st === 0 ? 1 : 0) : st;
    } finally {
      if (node.bang) this.condDepth--;
    }
  }

  // ---- expansion ----

  private param(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.status);
      case '$':
        return String(this.pid);
      case '#':
        return String(this.args.length);
      case '@':
      case '*':
        return this.args.join(name === '*' ? (this.vars.get('IFS') ?? ' ')[0] ?? '' : ' ');
      case '!':
        return this.lastBg;
      case '-':
        return (this.opts.errexit ? 'e' : '') + (this.opts.xtrace ? 'x' : '') + (this.opts.nounset ? 'u' : '');
      case '0':
        return this.name;
    }
    if (/^\d+$/.test(name)) return this.args[Number(name) - 1];
    if (name === 'RANDOM' && !this.vars.has('RANDOM')) return String(Math.floor(Math.random() * 32768));
    if (name === 'PPID' && !this.vars.has('PPID')) return '0';
    return this.vars.get(name);
  }

  private async paramValue(p: Extract<WordPart, { k: 'param' }>, io: Io): Promise<string> {
    let v = this.param(p.name);
    if (p.length) return String((v ?? '').length);
    if (!p.op) {
      if (v === undefined && this.opts.nounset && !['@', '*'].includes(p.name)) {
        await this.err(io, `${p.name}: parameter not set`);
        throw new ExitSignal(2);
      }
      return v ?? '';
    }
    const colon = p.op.startsWith(':');
    const unset = v === undefined || (colon && v === '');
    const argText = async () => (await this.expandWord(p.arg ?? [], io, false)).join(' ');
    switch (p.op) {
      case '-':
      case ':-':
        return unset ? await argText() : v!;
      case '=':
      case ':=':
        if (unset) {
          v = await argText();
          this.vars.set(p.name, v);
        }
        return v!;
      case '+':
      case ':+':
        return unset ? '' : await argText();
      case '?':
      case ':?':
        if (unset) {
          const msg = await argText();
          await this.err(io, `${p.name}: ${msg || 'parameter not set'}`);
          throw new ExitSignal(2);
        }
        return v!;
      case '#':
      case '##':
      case '%':
      case '%%': {
        const pat = await this.expandPattern(p.arg ?? [], io);
        const s = v ?? '';
        const src = globSource(pat);
        if (p.op[0] === '#') {
          const long = p.op === '##';
          for (let i = long ? s.length : 0; long ? i >= 0 : i <= s.length; i += long ? -1 : 1) {
            if (new RegExp('^(?:' + src + ')$', 's').test(s.slice(0, i))) return s.slice(i);
          }
          return s;
        }
        const long = p.op === '%%';
        for (let i = long ? 0 : s.length; long ? i <= s.length : i >= 0; i += long ? 1 : -1) {
          if (new RegExp('^(?:' + src + ')$', 's').test(s.slice(i))) return s.slice(0, i);
        }
        return s;
      }
    }
    return v ?? '';
  }

  /** command substitution: the output, trailing newlines removed */
  private async substitute(node: Node, io: Io): Promise<string> {
    const sub = this.clone();
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    let st: number;
    try {
      st = await sub.run(node, { stdin: io.stdin, stdout: sink, stderr: io.stderr });
    } catch (e) {
      if (e instanceof ExitSignal) st = e.code;
      else throw e;
    }
    this.status = st;
    this.substStatus = st;
    return Buffer.concat(chunks).toString().replace(/\n+$/, '');
  }
  private substStatus: number | undefined;

  private async arithValue(expr: Word, io: Io): Promise<string> {
    const text = (await this.expandWord(expr, io, false)).join(' ');
    try {
      return String(
        arith(
          text,
          (n) => this.vars.get(n),
          (n, v) => this.vars.set(n, v),
        ),
      );
    } catch (e) {
      await this.err(io, `arithmetic syntax error`);
      void e;
      throw new ExitSignal(2);
    }
  }

  /** expands a word into fields (split + glob when `split`) */
  async expandWord(word: Word, io: Io, split = true): Promise<string[]> {
    const fields: Field[] = [];
    let cur: Field = { s: '', pat: '', glob: false, real: false };
    const ifs = this.vars.get('IFS') ?? ' \t\n';
    const addQuoted = (s: string) => {
      cur.s += s;
      cur.pat += escapeGlob(s);
      cur.real = true;
    };
    const addUnquoted = (s: string) => {
      if (!split) {
        cur.s += s;
        cur.pat += escapeGlob(s);
        if (s) cur.real = true;
        return;
      }
      // field splitting on IFS
      let piece = '';
      for (const ch of s) {
        if (ifs.includes(ch)) {
          if (piece || cur.s || cur.real) {
            cur.s += piece;
            cur.pat += escapeGlob(piece);
            cur.real = true;
            fields.push(cur);
            cur = { s: '', pat: '', glob: false, real: false };
          }
          piece = '';
        } else piece += ch;
      }
      if (piece) {
        cur.s += piece;
        cur.pat += escapeGlob(piece);
        cur.real = true;
      }
    };
    const expandParts = async (parts: WordPart[], quoted: boolean, first: boolean) => {
      for (let idx = 0; idx < parts.length; idx++) {
        const p = parts[idx]!;
        switch (p.k) {
          case 'lit': {
            let v = p.v;
            if (first && idx === 0 && !quoted && v.startsWith('~') && (v.length === 1 || v[1] === '/')) {
              v = (this.vars.get('HOME') ?? '/root') + v.slice(1);
              addQuoted(v.slice(0, v.length - p.v.length + 1));
              v = p.v.slice(1);
            }
            cur.s += v;
            cur.pat += v;
            if (hasGlob(v)) cur.glob = true;
            if (v) cur.real = true;
            break;
          }
          case 'q':
            addQuoted(p.v);
            break;
          case 'dq':
            if (p.parts.length === 1 && p.parts[0]!.k === 'param' && p.parts[0]!.name === '@' && !p.parts[0]!.op && this.args.length === 0) break;
            cur.real = true;
            await expandParts(p.parts, true, false);
            break;
          case 'param':
            if (quoted && p.name === '@' && !p.op && !p.length) {
              this.args.forEach((a, i) => {
                if (i > 0) {
                  fields.push(cur);
                  cur = { s: '', pat: '', glob: false, real: true };
                }
                addQuoted(a);
              });
              break;
            }
            if (quoted) addQuoted(await this.paramValue(p, io));
            else addUnquoted(await this.paramValue(p, io));
            break;
          case 'cmd': {
            const v = await this.substitute(p.node, io);
            if (quoted) addQuoted(v);
            else addUnquoted(v);
            break;
          }
          case 'arith': {
            const v = await this.arithValue(p.expr, io);
            if (quoted) addQuoted(v);
            else addUnquoted(v);
            break;
          }
        }
      }
    };
    await expandParts(word, false, true);
    if (cur.real || cur.s) fields.push(cur);
    if (!split) return [fields.map((f) => f.s).join(' ')];
    const outFields: string[] = [];
    for (const f of fields) {
      if (f.glob) {
        const matches = await expandGlob(this.base.fs, f.pat, this.cwd);
        if (matches.length) {
          outFields.push(...matches);
          continue;
        }
      }
      outFields.push(f.s);
    }
    return outFields;
  }

  /** expands a word as a pattern (case, ${x#pat}): quoted parts match literally */
  private async expandPattern(word: Word, io: Io): Promise<string> {
    let pat = '';
    for (const p of word) {
      if (p.k === 'lit') pat += p.v;
      else if (p.k === 'q') pat += escapeGlob(p.v);
      else if (p.k === 'dq') pat += escapeGlob((await this.expandWord([p], io, false)).join(''));
      else pat += (await this.expandWord([p], io, false)).join('');
    }
    return pat;
  }

  async expandWords(words: Word[], io: Io): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) out.push(...(await this.expandWord(w, io, true)));
    return out;
  }

  // ---- redirections ----

  private async redirect(redirs: Redir[], io: Io): Promise<{ io: Io; close: () => Promise<void> } | undefined> {
    const fds: (Input | Writable | undefined)[] = [io.stdin, io.stdout, io.stderr];
    const opened: Writable[] = [];
    const close = async () => {
      for (const w of opened) await finish(w);
    };
    for (const r of redirs) {
      if (r.heredoc) {
        const body = r.heredoc.expand ? (await this.expandWord(parseDqText(r.heredoc.body), io, false)).join('') : r.heredoc.body;
        fds[r.fd] = new Input(Readable.from([Buffer.from(body)]));
        continue;
      }
      const target = (await this.expandWord(r.target, io, false)).join(' ');
      if (r.op === '<<<') {
        fds[r.fd] = new Input(Readable.from([Buffer.from(target + '\n')]));
        continue;
      }
      try {
        if (r.op === '>&' || r.op === '<&') {
          if (target === '-') {
            fds[r.fd] = r.op === '<&' ? new Input() : nullSink();
            continue;
          }
          if (!/^\d+$/.test(target)) {
            if (r.op === '>&') {
              // `>& file`: both stdout and stderr
              const w = await this.openOut(target, false);
              opened.push(w);
              fds[1] = w;
              fds[2] = w;
              continue;
            }
            throw new Error(`${target}: bad file descriptor`);
          }
          const src = fds[Number(target)];
          if (!src) {
            await this.err(io, `${target}: bad file descriptor`);
            await close();
            return undefined;
          }
          fds[r.fd] = src;
          continue;
        }
        if (r.op === '<' || r.op === '<>') {
          const p = normalizePath(target, this.cwd);
          if (p === '/dev/stdin') continue;
          fds[r.fd] = new Input(await this.base.fs.createReadStream(p));
          continue;
        }
        const w = await this.openOut(target, r.op === '>>', fds);
        if (!(w === fds[1] || w === fds[2])) opened.push(w);
        fds[r.fd] = w;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (r.op === '<' || r.op === '<>') await this.err(io, `can't open '${target}': ${strerror(e)}`);
        else await this.err(io, `can't create ${target}: ${code === 'ENOENT' ? 'nonexistent directory' : strerror(e)}`);
        await close();
        return undefined;
      }
    }
    const asInput = (x: Input | Writable | undefined): Input => (x instanceof Input ? x : new Input());
    const asOutput = (x: Input | Writable | undefined): Writable => (x && !(x instanceof Input) ? x : nullSink());
    return { io: { stdin: asInput(fds[0]), stdout: asOutput(fds[1]), stderr: asOutput(fds[2]) }, close };
  }

  private async openOut(target: string, append: boolean, fds?: (Input | Writable | undefined)[]): Promise<Writable> {
    const p = normalizePath(target, this.cwd);
    if (p === '/dev/null') return nullSink();
    if (fds && (p === '/dev/stdout' || p === '/dev/fd/1')) return fds[1] as Writable;
    if (fds && (p === '/dev/stderr' || p === '/dev/fd/2')) return fds[2] as Writable;
    const w = await this.base.fs.createWriteStream(p, { append });
    w.on('error', () => undefined);
    return w;
  }

  // ---- simple commands ----

  private async simple(node: Extract<Node, { t: 'simple' }>, io: Io): Promise<number> {
    this.substStatus = undefined;
    const w0 = node.words[0];
    const dbl = w0?.length === 1 && w0[0]!.k === 'q' && w0[0]!.v === '[[';
    // [[ ]]: no field splitting, no pathname expansion
    const argv = dbl ? await Promise.all(node.words.map(async (w) => (await this.expandWord(w, io, false)).join(''))) : await this.expandWords(node.words, io);
    const assigns: Record<string, string> = {};
    for (const a of node.assigns) assigns[a.name] = (await this.expandWord(a.value, io, false)).join('');
    if (argv.length === 0) {
      for (const [k, v] of Object.entries(assigns)) this.vars.set(k, v);
      if (node.redirs.length) {
        const r = await this.redirect(node.redirs, io);
        if (!r) return 1;
        await r.close();
      }
      return this.substStatus ?? 0;
    }
    if (this.opts.xtrace) await write(io.stderr, `+ ${argv.join(' ')}\n`).catch(() => undefined);
    let cio = io;
    let close = async () => {};
    if (node.redirs.length) {
      const r = await this.redirect(node.redirs, io);
      if (!r) return 1;
      cio = r.io;
      close = r.close;
    }
    try {
      return await this.command(argv, cio, assigns);
    } finally {
      await close();
    }
  }

  /** runs argv: a function, a special built-in, a built-in command, a script in the filesystem */
  async command(argv: string[], io: Io, assigns: Record<string, string> = {}): Promise<number> {
    const name = argv[0]!;
    const fn = this.funcs.get(name);
    if (fn) {
      const saved = this.args;
      this.args = argv.slice(1);
      try {
        return await this.run(fn, io);
      } catch (e) {
        if (e instanceof ReturnSignal) return e.code;
        throw e;
      } finally {
        this.args = saved;
      }
    }
    const special = SPECIAL[name];
    if (special) {
      for (const [k, v] of Object.entries(assigns)) this.vars.set(k, v);
      return special(this, argv, io);
    }
    return this.external(argv, io, this.envObject(assigns));
  }

  /** a command that is not part of the shell's state: built-in tools, scripts, sub-shells */
  async external(argv: string[], io: Io, env: Record<string, string>): Promise<number> {
    const name = argv[0]!;
    if (isShellName(name)) return runShell(this.base, argv, env, this.cwd, io, this.signal);
    const tool = builtinName(name);
    if (tool && !(name.includes('/') && false)) return this.runTool(tool, argv, io, env);
    // a file in the container: a script
    let path: string | undefined;
    if (name.includes('/')) path = normalizePath(name, this.cwd);
    else {
      for (const dir of (env.PATH ?? this.vars.get('PATH') ?? '').split(':')) {
        if (!dir) continue;
        const cand = normalizePath(name, normalizePath(dir, this.cwd));
        const st = await this.base.fs.stat(cand).catch(() => undefined);
        if (st?.type === 'file') {
          path = cand;
          break;
        }
      }
    }
    if (!path) {
      await this.err(io, `${name}: not found`);
      return 127;
    }
    return this.runScript(path, name, argv, io, env);
  }

  async runScript(path: string, name: string, argv: string[], io: Io, env: Record<string, string>): Promise<number> {
    const st = await this.base.fs.stat(path).catch(() => undefined);
    if (!st || st.type !== 'file') {
      if (st?.type === 'dir') {
        await this.err(io, `${name}: Permission denied`);
        return 126;
      }
      await this.err(io, `${name}: not found`);
      return 127;
    }
    if ((st.mode & 0o111) === 0) {
      await this.err(io, `${name}: Permission denied`);
      return 126;
    }
    const text = (await this.base.fs.readFile(path)).toString();
    const m = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(text);
    if (m) {
      let interp = m[1]!;
      let arg: string | undefined = m[2];
      if (interp.endsWith('/env') && arg) {
        interp = arg;
        arg = undefined;
      }
      if (!isShellName(interp)) {
        const tool = builtinName(interp);
        if (tool) return this.runTool(tool, [interp, ...(arg ? [arg] : []), path, ...argv.slice(1)], io, env);
        await this.err(io, `${name}: not found`);
        return 127;
      }
    }
    return runShell(this.base, ['sh', path, ...argv.slice(1)], env, this.cwd, io, this.signal);
  }

  async runTool(tool: string, argv: string[], io: Io, env: Record<string, string>): Promise<number> {
    const proc: Proc = {
      argv,
      fs: this.base.fs,
      env,
      cwd: this.cwd,
      hostname: this.base.hostname,
      network: this.base.network,
      signal: this.signal,
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      tty: this.tty,
      exec: (av, e, sig) => (sig ? this.clone(sig) : this).external(av, io, e ?? env),
    };
    try {
      return await COMMANDS[tool]!(proc);
    } catch (e) {
      if (e instanceof BrokenPipe) return 141;
      if (e instanceof Aborted) throw e;
      if (e instanceof ExitSignal) return e.code;
      await write(io.stderr, `${tool}: ${strerror(e)}\n`).catch(() => undefined);
      return 1;
    }
  }

  async waitAll(): Promise<void> {
    while (this.bgJobs.size) await Promise.all([...this.bgJobs]);
  }
}

type Special = (sh: Shell, argv: string[], io: Io) => Promise<number>;

const SPECIAL: Record<string, Special> = {
  async cd(sh, argv, io) {
    let target = argv[1] ?? sh.vars.get('HOME') ?? '/';
    if (target === '-') {
      target = sh.vars.get('OLDPWD') ?? sh.cwd;
      await write(io.stdout, target + '\n').catch(() => undefined);
    }
    const p = normalizePath(target, sh.cwd);
    try {
      const st = await sh.base.fs.stat(p);
      if (st.type !== 'dir') throw Object.assign(new Error(), { code: 'ENOTDIR' });
    } catch (e) {
      await sh.err(io, `cd: can't cd to ${target}: ${strerror(e)}`);
      return 2;
    }
    sh.vars.set('OLDPWD', sh.cwd);
    sh.cwd = p;
    sh.vars.set('PWD', p);
    return 0;
  },
  async pwd(sh, _argv, io) {
    await write(io.stdout, sh.cwd + '\n');
    return 0;
  },
  async export(sh, argv, io) {
    const names = argv.slice(1).filter((a) => a !== '-p' && a !== '-n');
    if (names.length === 0) {
      for (const k of [...sh.exported].sort()) {
        const v = sh.vars.get(k);
        if (v !== undefined) await write(io.stdout, `export ${k}='${v.replace(/'/g, `'"'"'`)}'\n`);
      }
      return 0;
    }
    for (const a of names) {
      const i = a.indexOf('=');
      const n = i >= 0 ? a.slice(0, i) : a;
      if (!isName(n)) {
        await sh.err(io, `export: ${a}: bad variable name`);
        return 1;
      }
      if (i >= 0) sh.vars.set(n, a.slice(i + 1));
      sh.exported.add(n);
    }
    return 0;
  },
  async readonly(sh, argv, io) {
    return SPECIAL.export!(sh, argv, io).then(() => 0);
  },
  async local(sh, argv) {
    for (const a of argv.slice(1)) {
      const i = a.indexOf('=');
      if (i >= 0) sh.vars.set(a.slice(0, i), a.slice(i + 1));
    }
    return 0;
  },
  async unset(sh, argv) {
    const fn = argv[1] === '-f';
    for (const n of argv.slice(1).filter((a) => a !== '-v' && a !== '-f')) {
      if (fn) sh.funcs.delete(n);
      else {
        sh.vars.delete(n);
        sh.exported.delete(n);
      }
    }
    return 0;
  },
  async set(sh, argv, io) {
    if (argv.length === 1) {
      for (const [k, v] of [...sh.vars].sort(([a], [b]) => (a < b ? -1 : 1))) await write(io.stdout, `${k}='${v}'\n`);
      return 0;
    }
    let i = 1;
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--') {
        i++;
        sh.args = argv.slice(i);
        return 0;
      }
      if ((a[0] === '-' || a[0] === '+') && a.length > 1) {
        const on = a[0] === '-';
        if (a.slice(1) === 'o') {
          const opt = argv[++i];
          if (opt === 'errexit') sh.opts.errexit = on;
          else if (opt === 'xtrace') sh.opts.xtrace = on;
          else if (opt === 'pipefail') sh.opts.pipefail = on;
          else if (opt === 'nounset') sh.opts.nounset = on;
          continue;
        }
        for (const f of a.slice(1)) {
          if (f === 'e') sh.opts.errexit = on;
          else if (f === 'x') sh.opts.xtrace = on;
          else if (f === 'u') sh.opts.nounset = on;
          else if (f === 'o') continue;
          else if (!'vfnCamb'.includes(f)) {
            await sh.err(io, `set: illegal option -${f}`);
            return 2;
          }
        }
        continue;
      }
      break;
    }
    if (i < argv.length) sh.args = argv.slice(i);
    return 0;
  },
  async shift(sh, argv, io) {
    const n = argv[1] ? Number(argv[1]) : 1;
    if (!(n >= 0) || n > sh.args.length) {
      await sh.err(io, `shift: can't shift that many`);
      return 2;
    }
    sh.args = sh.args.slice(n);
    return 0;
  },
  async exit(sh, argv) {
    throw new ExitSignal(argv[1] !== undefined ? Number(argv[1]) & 255 || 0 : sh.status);
  },
  async return(sh, argv) {
    throw new ReturnSignal(argv[1] !== undefined ? Number(argv[1]) & 255 : sh.status);
  },
  async break(_sh, argv) {
    throw new LoopSignal('break', Number(argv[1] ?? 1) || 1);
  },
  async continue(_sh, argv) {
    throw new LoopSignal('continue', Number(argv[1] ?? 1) || 1);
  },
  async read(sh, argv, io) {
    let raw = false;
    let prompt = '';
    const names: string[] = [];
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-r') raw = true;
      else if (a === '-p') prompt = argv[++i] ?? '';
      else if (a === '-s') continue;
      else names.push(a);
    }
    if (prompt) await write(io.stderr, prompt).catch(() => undefined);
    let line = await io.stdin.readLine(sh.signal);
    if (line === null) {
      for (const n of names.length ? names : ['REPLY']) sh.vars.set(n, '');
      return 1;
    }
    if (!raw) line = line.replace(/\\(.)/g, '$1');
    if (names.length === 0) {
      sh.vars.set('REPLY', line);
      return 0;
    }
    const ifs = sh.vars.get('IFS') ?? ' \t\n';
    const ws = new RegExp(`^[${escapeRe(ifs)}]+|[${escapeRe(ifs)}]+$`, 'g');
    let rest = ifs ? line.replace(ws, '') : line;
    for (let i = 0; i < names.length; i++) {
      if (i === names.length - 1) {
        sh.vars.set(names[i]!, rest);
        break;
      }
      const m = ifs ? new RegExp(`[${escapeRe(ifs)}]+`).exec(rest) : null;
      if (!m) {
        sh.vars.set(names[i]!, rest);
        rest = '';
        continue;
      }
      sh.vars.set(names[i]!, rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return 0;
  },
  async eval(sh, argv, io) {
    return sh.runText(argv.slice(1).join(' '), io);
  },
  async '.'(sh, argv, io) {
    const f = argv[1];
    if (!f) return 0;
    try {
      const text = (await sh.base.fs.readFile(normalizePath(f, sh.cwd))).toString();
      return await sh.runText(text, io);
    } catch (e) {
      if (e instanceof ExitSignal || e instanceof Aborted || e instanceof ReturnSignal) throw e;
      await sh.err(io, `.: can't open '${f}': ${strerror(e)}`);
      return 2;
    }
  },
  async source(sh, argv, io) {
    return SPECIAL['.']!(sh, argv, io);
  },
  async exec(sh, argv, io) {
    if (argv.length === 1) return 0;
    const st = await sh.external(argv.slice(1), io, sh.envObject());
    throw new ExitSignal(st);
  },
  async wait(sh) {
    await sh.waitAll();
    return 0;
  },
  async trap(sh, argv) {
    // only the EXIT trap runs (when the shell ends); signals are not delivered to the built-in shell
    const args = argv.slice(1);
    if (args.length >= 2) {
      const action = args[0]!;
      for (const sig of args.slice(1)) if (sig === 'EXIT' || sig === '0') sh.exitTrap = action === '-' || action === '' ? undefined : action;
    }
    return 0;
  },
  async umask(_sh, argv, io) {
    if (argv.length === 1) await write(io.stdout, '0022\n');
    return 0;
  },
  async type(sh, argv, io) {
    let st = 0;
    for (const n of argv.slice(1)) {
      if (sh.funcs.has(n)) await write(io.stdout, `${n} is a function\n`);
      else if (SPECIAL[n]) await write(io.stdout, `${n} is a special shell builtin\n`);
      else if (builtinName(n) || isShellName(n)) await write(io.stdout, `${n} is ${n.includes('/') ? n : toolPath(n)}\n`);
      else {
        await write(io.stdout, `${n}: not found\n`);
        st = 127;
      }
    }
    return st;
  },
  async command(sh, argv, io) {
    if (argv[1] === '-v' || argv[1] === '-V') {
      let st = 0;
      for (const n of argv.slice(2)) {
        if (SPECIAL[n] || sh.funcs.has(n)) await write(io.stdout, n + '\n');
        else if (builtinName(n) || isShellName(n)) await write(io.stdout, (n.includes('/') ? n : toolPath(n)) + '\n');
        else st = 1;
      }
      return st;
    }
    if (argv.length === 1) return 0;
    const rest = argv.slice(1);
    if (SPECIAL[rest[0]!]) return SPECIAL[rest[0]!]!(sh, rest, io);
    return sh.external(rest, io, sh.envObject());
  },
  async hash() {
    return 0;
  },
  async alias() {
    return 0;
  },
  async ulimit(_sh, _argv, io) {
    await write(io.stdout, 'unlimited\n');
    return 0;
  },
};

function escapeRe(s: string): string {
  return s.replace(/[\\\]^-]/g, '\\$&').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/**
 * `sh [-e] [-x] [-c SCRIPT [NAME ARGS...] | SCRIPTFILE [ARGS...]]`, or reading commands from stdin.
 * Returns the exit status.
 */
export async function runShell(
  base: ShellBase,
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  io: Io,
  signal: AbortSignal,
  tty?: { prompt: (sh: Shell) => string; interrupts?: (fn: (linesSoFar: number) => void) => () => void },
): Promise<number> {
  const sh = new Shell(base, env, cwd, signal);
  sh.tty = tty !== undefined || base.tty === true;
  let script: string | undefined;
  let i = 1;
  let fromStdin = false;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-c') {
      script = argv[++i];
      if (script === undefined) {
        await write(io.stderr, `sh: -c requires an argument\n`).catch(() => undefined);
        return 2;
      }
      continue;
    }
    if (a === '-s') {
      fromStdin = true;
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(a)) {
      if (a === '-o' || a === '+o') {
        const opt = argv[++i];
        if (opt === 'pipefail') sh.opts.pipefail = a[0] === '-';
        if (opt === 'errexit') sh.opts.errexit = a[0] === '-';
        continue;
      }
      for (const f of a.slice(1)) {
        if (f === 'c') {
          script = argv[++i];
          if (script === undefined) {
            await write(io.stderr, `sh: -c requires an argument\n`).catch(() => undefined);
            return 2;
          }
        } else if (f === 'e') sh.opts.errexit = a[0] === '-';
        else if (f === 'x') sh.opts.xtrace = a[0] === '-';
        else if (f === 'u') sh.opts.nounset = a[0] === '-';
        else if (f === 's') fromStdin = true;
      }
      continue;
    }
    break;
  }
  const rest = argv.slice(i);
  try {
    if (script !== undefined) {
      if (rest.length) {
        sh.name = rest[0]!;
        sh.args = rest.slice(1);
      }
      return await finalStatus(sh, () => sh.runText(script!, io), io);
    }
    if (rest.length && !fromStdin) {
      const file = rest[0]!;
      sh.name = file;
      sh.args = rest.slice(1);
      let text: string;
      try {
        text = (await base.fs.readFile(normalizePath(file, cwd))).toString();
      } catch (e) {
        await write(io.stderr, `sh: can't open '${file}': ${strerror(e)}\n`).catch(() => undefined);
        return 2;
      }
      return await finalStatus(sh, () => sh.runText(text, io), io);
    }
    sh.args = rest;
    return await finalStatus(sh, () => interactive(sh, io, tty), io);
  } catch (e) {
    if (e instanceof Aborted) return 130;
    throw e;
  }
}

async function finalStatus(sh: Shell, f: () => Promise<number>, io?: Io): Promise<number> {
  let st: number;
  try {
    st = await f();
  } catch (e) {
    if (e instanceof ExitSignal) st = e.code;
    else if (e instanceof ReturnSignal) st = e.code;
    else if (e instanceof LoopSignal) st = sh.status;
    else throw e;
  }
  if (sh.exitTrap && io) {
    const trap = sh.exitTrap;
    sh.exitTrap = undefined;
    sh.status = st;
    try {
      await sh.runText(trap, io);
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      if (!(e instanceof ReturnSignal || e instanceof LoopSignal)) throw e;
    }
  }
  return st;
}

/** reads commands from stdin, line by line (with a prompt on a terminal) */
async function interactive(
  sh: Shell,
  io: Io,
  tty?: { prompt: (sh: Shell) => string; interrupts?: (fn: (linesSoFar: number) => void) => () => void },
): Promise<number> {
  sh.interactive = tty !== undefined;
  let buf = '';
  const outerSignal = sh.signal;
  let linesRead = 0;
  let current: AbortController | undefined;
  /** a Ctrl-C that came after this many lines were typed: a command from an earlier line is interrupted */
  let interruptedAt = -1;
  const off = tty?.interrupts?.((n) => {
    interruptedAt = n;
    current?.abort();
  });
  try {
    for (;;) {
      if (outerSignal.aborted) return 130;
      if (tty) await write(io.stderr, buf ? '> ' : tty.prompt(sh)).catch(() => undefined);
      const line = await io.stdin.readLine(outerSignal);
      if (line === null) {
        if (outerSignal.aborted) return 130;
        if (buf) await sh.runText(buf, io).catch(() => undefined);
        return sh.status;
      }
      linesRead++;
      buf += line + '\n';
      try {
        parse(buf);
      } catch (e) {
        if (e instanceof ParseError && e.incomplete) continue;
      }
      const text = buf;
      buf = '';
      // Ctrl-C stops the command that runs, not the shell
      const ac = new AbortController();
      current = ac;
      if (interruptedAt >= linesRead) ac.abort();
      const onOuter = () => ac.abort();
      outerSignal.addEventListener('abort', onOuter, { once: true });
      sh.signal = ac.signal;
      try {
        await sh.runText(text, io);
      } catch (e) {
        if (e instanceof ExitSignal) return e.code;
        if (e instanceof Aborted) sh.status = 130;
        else if (e instanceof LoopSignal || e instanceof ReturnSignal) sh.status = 0;
        else throw e;
      } finally {
        current = undefined;
        outerSignal.removeEventListener('abort', onOuter);
        sh.signal = outerSignal;
      }
      if (ac.signal.aborted && sh.status !== 130 && !outerSignal.aborted) sh.status = 130;
    }
  } finally {
    off?.();
  }
}
