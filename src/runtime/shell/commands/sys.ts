// System commands: true false : env printenv hostname date id whoami uname sleep which test/[ timeout
// kill nproc df/free stubs.
import { abs, err, out, type Command, type Proc } from '../proc.js';
import { sleep as sleepMs } from '../io.js';
import { dateString, fail } from './util.js';
import { globMatch } from '../glob.js';

const SHELL_NAMES = ['sh', 'bash', 'ash'];
/** set by index.ts: whether a name is a built-in command (for which) */
export const known: { has: (n: string) => boolean; path: (n: string) => string } = { has: () => false, path: (n) => `/bin/${n}` };

const env: Command = async (p) => {
  const args = p.argv.slice(1);
  let vars: Record<string, string> = { ...p.env };
  while (args.length) {
    const a = args[0]!;
    if (a === '-i' || a === '-') {
      vars = {};
      args.shift();
    } else if (a === '-u') {
      args.shift();
      delete vars[args.shift() ?? ''];
    } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      const i = a.indexOf('=');
      vars[a.slice(0, i)] = a.slice(i + 1);
      args.shift();
    } else break;
  }
  if (args.length) return p.exec(args, vars);
  for (const [k, v] of Object.entries(vars)) await out(p, `${k}=${v}\n`);
  return 0;
};

const printenv: Command = async (p) => {
  const names = p.argv.slice(1);
  if (!names.length) {
    for (const [k, v] of Object.entries(p.env)) await out(p, `${k}=${v}\n`);
    return 0;
  }
  let st = 0;
  for (const n of names) {
    const v = p.env[n];
    if (v === undefined) st = 1;
    else await out(p, v + '\n');
  }
  return st;
};

const hostname: Command = async (p) => {
  const a = p.argv[1];
  if (a === '-i') {
    const r = await p.network.lookup(p.hostname).catch(() => undefined);
    await out(p, (r?.addresses[0] ?? '127.0.0.1') + '\n');
    return 0;
  }
  if (a && !a.startsWith('-')) return fail(p, 'sethostname: Operation not permitted');
  await out(p, (a === '-s' ? p.hostname.split('.')[0] : p.hostname) + '\n');
  return 0;
};

const date: Command = async (p) => {
  let d = new Date();
  let fmt: string | undefined;
  const args = p.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('+')) fmt = a.slice(1);
    else if (a === '-u' || a === '--utc') continue;
    else if (a === '-I') fmt = '%F';
    else if (a === '-R') fmt = '%a, %d %b %Y %H:%M:%S %z';
    else if (a === '-d' || a === '-r') {
      const v = args[++i] ?? '';
      if (a === '-r') {
        const st = await p.fs.stat(abs(p, v)).catch(() => undefined);
        if (!st) return fail(p, `can't stat '${v}': No such file or directory`);
        d = new Date(st.mtimeMs);
      } else {
        const t = v.startsWith('@') ? Number(v.slice(1)) * 1000 : Date.parse(v.includes('T') || v.includes('Z') ? v : v + (v.length > 10 ? 'Z' : ''));
        if (Number.isNaN(t)) return fail(p, `invalid date '${v}'`);
        d = new Date(t);
      }
    } else return fail(p, `invalid date '${a}'`);
  }
  await out(p, dateString(d, fmt) + '\n');
  return 0;
};

const id: Command = async (p) => {
  const a = p.argv[1];
  if (a === '-u' || a === '-g') await out(p, '0\n');
  else if (a === '-un' || a === '-nu' || a === '-gn' || a === '-ng') await out(p, 'root\n');
  else if (a === '-G') await out(p, '0 1 2 3 4 6 10 11 20 26 27\n');
  else await out(p, 'uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)\n');
  return 0;
};

const whoami: Command = async (p) => {
  await out(p, 'root\n');
  return 0;
};

const uname: Command = async (p) => {
  const flags = p.argv.slice(1).join('').replace(/-/g, '');
  const info = {
    s: 'Linux',
    n: p.hostname,
    r: '6.1.0-kube-emulator',
    v: '#1 SMP PREEMPT_DYNAMIC',
    m: 'x86_64',
    o: 'GNU/Linux',
  };
  if (!flags || flags === 's') await out(p, 'Linux\n');
  else if (flags.includes('a')) await out(p, `${info.s} ${info.n} ${info.r} ${info.v} ${info.m} ${info.o}\n`);
  else {
    const parts: string[] = [];
    for (const f of 'snrvmpo') if (flags.includes(f)) parts.push(f === 'p' ? 'unknown' : info[f as keyof typeof info]);
    await out(p, parts.join(' ') + '\n');
  }
  return 0;
};

/** seconds from `1`, `0.5`, `2m`, `1h`, `infinity` */
function duration(s: string): number | undefined {
  if (s === 'inf' || s === 'infinity') return Infinity;
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!]!;
}

const sleep: Command = async (p) => {
  const args = p.argv.slice(1);
  if (!args.length) return fail(p, 'usage: sleep N');
  let total = 0;
  for (const a of args) {
    const d = duration(a);
    if (d === undefined) return fail(p, `invalid number '${a}'`);
    total += d;
  }
  // setTimeout's limit; sleep infinity waits for the abort
  const ms = Math.min(total * 1000, 2 ** 31 - 1);
  for (let left = total * 1000; left > 0; left -= ms) await sleepMs(Math.min(ms, left), p.signal);
  return 0;
};

const timeout: Command = async (p) => {
  const args = p.argv.slice(1);
  while (args[0]?.startsWith('-')) {
    const a = args.shift()!;
    if (a === '-s' || a === '-k') args.shift();
  }
  const d = duration(args.shift() ?? '');
  if (d === undefined || !args.length) return fail(p, 'usage: timeout [-s SIG] SECS PROG ARGS');
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  p.signal.addEventListener('abort', onAbort, { once: true });
  const t = setTimeout(() => ac.abort(), Math.min(d * 1000, 2 ** 31 - 1));
  try {
    const st = await p.exec(args, undefined, ac.signal).catch(() => 143);
    // busybox timeout: the command is killed with SIGTERM (143)
    return ac.signal.aborted && !p.signal.aborted ? 143 : st;
  } finally {
    clearTimeout(t);
    p.signal.removeEventListener('abort', onAbort);
  }
};

const which: Command = async (p) => {
  let st = 0;
  for (const n of p.argv.slice(1).filter((a) => a !== '-a')) {
    if (n.includes('/')) {
      const s = await p.fs.stat(abs(p, n)).catch(() => undefined);
      if (s?.type === 'file' && s.mode & 0o111) await out(p, n + '\n');
      else st = 1;
      continue;
    }
    if (known.has(n) || SHELL_NAMES.includes(n)) {
      await out(p, known.path(n) + '\n');
      continue;
    }
    let found = false;
    for (const dir of (p.env.PATH ?? '').split(':')) {
      if (!dir) continue;
      const cand = abs(p, dir + '/' + n);
      const s = await p.fs.stat(cand).catch(() => undefined);
      if (s?.type === 'file' && s.mode & 0o111) {
        await out(p, cand + '\n');
        found = true;
        break;
      }
    }
    if (!found) st = 1;
  }
  return st;
};

async function testExpr(p: Proc, args: string[], dbl = false): Promise<boolean | string> {
  let i = 0;
  const fileTest = async (op: string, f: string): Promise<boolean> => {
    const path = abs(p, f);
    if (op === '-h' || op === '-L') return (await p.fs.lstat(path).catch(() => undefined))?.type === 'symlink';
    const st = await p.fs.stat(path).catch(() => undefined);
    if (!st) return false;
    switch (op) {
      case '-e':
      case '-a':
        return true;
      case '-f':
        return st.type === 'file';
      case '-d':
        return st.type === 'dir';
      case '-s':
        return st.size > 0;
      case '-r':
      case '-w':
        return true;
      case '-x':
        return st.type === 'dir' || (st.mode & 0o111) !== 0;
      case '-p':
      case '-S':
      case '-b':
      case '-c':
        return false;
      case '-u':
        return (st.mode & 0o4000) !== 0;
      case '-g':
        return (st.mode & 0o2000) !== 0;
      case '-k':
        return (st.mode & 0o1000) !== 0;
    }
    return false;
  };
  const int = (s: string): number => {
    if (!/^\s*[-+]?\d+\s*$/.test(s)) throw new Error(`invalid number '${s}'`);
    return Number(s);
  };
  const primary = async (): Promise<boolean> => {
    const a = args[i];
    if (a === undefined) throw new Error('argument expected');
    if (a === '!') {
      i++;
      return !(await primary());
    }
    if (a === '(') {
      i++;
      const v = await orExpr();
      if (args[i] !== ')') throw new Error("')' expected");
      i++;
      return v;
    }
    const b = args[i + 1];
    const c = args[i + 2];
    if (dbl && b !== undefined && c !== undefined && (b === '==' || b === '=' || b === '!=' || b === '=~')) {
      i += 3;
      if (b === '=~') {
        try {
          return new RegExp(c).test(a);
        } catch {
          return false;
        }
      }
      const m = globMatch(c, a);
      return b === '!=' ? !m : m;
    }
    const binOps = ['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef'];
    if (b !== undefined && binOps.includes(b) && c !== undefined) {
      i += 3;
      switch (b) {
        case '=':
        case '==':
          return a === c;
        case '!=':
          return a !== c;
        case '<':
          return a < c;
        case '>':
          return a > c;
        case '-eq':
          return int(a) === int(c);
        case '-ne':
          return int(a) !== int(c);
        case '-lt':
          return int(a) < int(c);
        case '-le':
          return int(a) <= int(c);
        case '-gt':
          return int(a) > int(c);
        case '-ge':
          return int(a) >= int(c);
        case '-nt':
        case '-ot': {
          const sa = await p.fs.stat(abs(p, a)).catch(() => undefined);
          const sc = await p.fs.stat(abs(p, c)).catch(() => undefined);
          if (!sa || !sc) return false;
          return b === '-nt' ? sa.mtimeMs > sc.mtimeMs : sa.mtimeMs < sc.mtimeMs;
        }
        default:
          return false;
      }
    }
    if (/^-[a-zA-Z]$/.test(a) && b !== undefined) {
      i += 2;
      if (a === '-n') return b.length > 0;
      if (a === '-z') return b.length === 0;
      if (a === '-t') return false;
      return fileTest(a, b);
    }
    i++;
    return a.length > 0;
  };
  const andExpr = async (): Promise<boolean> => {
    let v = await primary();
    while (args[i] === '-a') {
      i++;
      const r = await primary();
      v = v && r;
    }
    return v;
  };
  const orExpr = async (): Promise<boolean> => {
    let v = await andExpr();
    while (args[i] === '-o') {
      i++;
      const r = await andExpr();
      v = v || r;
    }
    return v;
  };
  try {
    if (args.length === 0) return false;
    const v = await orExpr();
    if (i < args.length) return `${args[i]}: unknown operand`;
    return v;
  } catch (e) {
    return (e as Error).message;
  }
}

const test: Command = async (p) => {
  let args = p.argv.slice(1);
  if (p.argv[0] === '[[') {
    const r = await testExpr(p, args, true);
    if (typeof r === 'string') {
      await err(p, `sh: ${r}\n`);
      return 2;
    }
    return r ? 0 : 1;
  }
  if (p.argv[0]!.endsWith('[')) {
    if (args[args.length - 1] !== ']') return fail(p, "missing ']'", 2);
    args = args.slice(0, -1);
  }
  const r = await testExpr(p, args);
  if (typeof r === 'string') {
    await err(p, `sh: ${r}\n`);
    return 2;
  }
  return r ? 0 : 1;
};

const trueCmd: Command = async () => 0;
const falseCmd: Command = async () => 1;

const nproc: Command = async (p) => {
  await out(p, '2\n');
  return 0;
};

const kill: Command = async (p) => fail(p, `can't kill pid ${p.argv[p.argv.length - 1]}: No such process`);

const ps: Command = async (p) => {
  await out(p, 'PID   USER     TIME  COMMAND\n    1 root      0:00 sh\n');
  return 0;
};

export const SYS_COMMANDS: Record<string, Command> = {
  true: trueCmd,
  false: falseCmd,
  ':': trueCmd,
  env,
  printenv,
  hostname,
  date,
  id,
  whoami,
  uname,
  sleep,
  timeout,
  which,
  test,
  '[': test,
  '[[': test,
  nproc,
  kill,
  ps,
};
