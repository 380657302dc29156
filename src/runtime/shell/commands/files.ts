// File commands, busybox-like: cat ls mkdir rm rmdir touch cp mv ln chmod stat readlink realpath find
// basename dirname.
import type { FileStat } from '../../types.js';
import { expandGlob, globMatch } from '../glob.js';
import { abs, err, errCode, out, parseFlags, strerror, type Command, type Proc } from '../proc.js';
import { cmdName, fail, lsDate, modeString, openInput } from './util.js';

const cat: Command = async (p) => {
  const { operands } = parseFlags(p.argv.slice(1));
  const files = operands.length ? operands : ['-'];
  let st = 0;
  for (const f of files) {
    const src = await openInput(p, f);
    if (!src) {
      st = 1;
      continue;
    }
    try {
      for (let c = await src.input.read(p.signal); c !== null; c = await src.input.read(p.signal)) await out(p, c);
    } finally {
      src.close();
    }
  }
  return st;
};

async function statOr(p: Proc, path: string, follow = true): Promise<FileStat | NodeJS.ErrnoException> {
  try {
    return follow ? await p.fs.stat(path) : await p.fs.lstat(path);
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

const ls: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const long = flags.has('l') || flags.has('n');
  const all = flags.has('a');
  const almost = flags.has('A');
  const recursive = flags.has('R');
  const dirOnly = flags.has('d');
  const classify = flags.has('F');
  const human = flags.has('h');
  const sortTime = flags.has('t');
  const reverse = flags.has('r');
  const one = true;
  void one;
  const targets = operands.length ? operands : ['.'];
  let status = 0;
  const fileOps: { name: string; st: FileStat; path: string }[] = [];
  const dirOps: string[] = [];
  for (const t of targets) {
    const path = abs(p, t);
    const st = await statOr(p, path, !long || !flags.has('l') || true);
    if (st instanceof Error) {
      // a dangling symlink still lists
      const lst = await statOr(p, path, false);
      if (!(lst instanceof Error)) {
        fileOps.push({ name: t, st: lst, path });
        continue;
      }
      await err(p, `ls: ${t}: ${strerror(st)}\n`);
      status = 1;
      continue;
    }
    if (st.type === 'dir' && !dirOnly) dirOps.push(t);
    else fileOps.push({ name: t, st: long ? ((await statOr(p, path, false)) as FileStat) : st, path });
  }
  const size = (n: number) => {
    if (!human || n < 1024) return String(n);
    const units = ['K', 'M', 'G', 'T'];
    let v = n;
    let u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v < 10 ? v.toFixed(1) : Math.round(v).toString()) + units[u];
  };
  const fmt = async (e: { name: string; st: FileStat; path: string }): Promise<string> => {
    let name = e.name;
    if (classify) name += e.st.type === 'dir' ? '/' : e.st.type === 'symlink' ? '@' : e.st.mode & 0o111 ? '*' : '';
    if (!long) return name;
    let link = '';
    if (e.st.type === 'symlink') link = ' -> ' + (await p.fs.readlink(e.path).catch(() => '?'));
    const nlink = e.st.type === 'dir' ? 2 : 1;
    const owner = flags.has('n') ? '0' : 'root';
    return `${modeString(e.st.type, e.st.mode)} ${String(nlink).padStart(4)} ${owner.padEnd(8)} ${owner.padEnd(8)} ${size(e.st.size).padStart(9)} ${lsDate(e.st.mtimeMs)} ${name}${link}`;
  };
  const sortEntries = (es: { name: string; st: FileStat; path: string }[]) => {
    es.sort((a, b) => (sortTime ? b.st.mtimeMs - a.st.mtimeMs : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (reverse) es.reverse();
    return es;
  };
  const print = async (es: { name: string; st: FileStat; path: string }[]) => {
    const linesOut: string[] = [];
    for (const e of es) linesOut.push(await fmt(e));
    if (!long && p.tty === true && linesOut.length) {
      const w = Math.max(...linesOut.map((l) => l.length)) + 2;
      const cols = Math.max(1, Math.floor(80 / w));
      const rows = Math.ceil(linesOut.length / cols);
      for (let r = 0; r < rows; r++) {
        let line = '';
        for (let c = 0; c < cols; c++) {
          const item = linesOut[c * rows + r];
          if (item !== undefined) line += c === cols - 1 || c * rows + r + rows >= linesOut.length ? item : item.padEnd(w);
        }
        await out(p, line.trimEnd() + '\n');
      }
      return;
    }
    for (const l of linesOut) await out(p, l + '\n');
  };
  sortEntries(fileOps);
  if (fileOps.length) await print(fileOps);
  const showHeader = targets.length > 1 || recursive;
  let first = fileOps.length === 0;
  const listDir = async (name: string) => {
    const path = abs(p, name);
    let names: string[];
    try {
      names = await p.fs.readdir(path);
    } catch (e) {
      await err(p, `ls: ${name}: ${strerror(e)}\n`);
      status = 1;
      return;
    }
    if (all) names = ['.', '..', ...names];
    else if (!almost) names = names.filter((n) => !n.startsWith('.'));
    const entries: { name: string; st: FileStat; path: string }[] = [];
    for (const n of names) {
      const cp = n === '.' ? path : n === '..' ? abs(p, path + '/..') : (path === '/' ? '' : path) + '/' + n;
      const st = await statOr(p, cp, false);
      if (st instanceof Error) continue;
      entries.push({ name: n, st, path: cp });
    }
    sortEntries(entries);
    if (long) {
      const blocks = entries.reduce((s, e) => s + Math.ceil(e.st.size / 1024), 0);
      if (showHeader || true) {
        if (!first) await out(p, '\n');
        first = false;
        if (showHeader) await out(p, `${name}:\n`);
        await out(p, `total ${blocks}\n`);
      }
    } else {
      if (!first) await out(p, '\n');
      first = false;
      if (showHeader) await out(p, `${name}:\n`);
    }
    await print(entries);
    if (recursive) {
      for (const e of entries) {
        if (e.st.type === 'dir' && e.name !== '.' && e.name !== '..') await listDir((name.endsWith('/') ? name : name + '/') + e.name);
      }
    }
  };
  for (const d of dirOps.sort()) await listDir(d);
  return status;
};

const mkdir: Command = async (p) => {
  const { flags, operands, bad } = parseFlags(p.argv.slice(1), 'm');
  if (bad) return fail(p, `option requires an argument -- ${bad}`);
  if (!operands.length) return fail(p, 'missing operand');
  const mode = typeof flags.get('m') === 'string' ? parseInt(flags.get('m') as string, 8) : undefined;
  let st = 0;
  for (const d of operands) {
    try {
      if (flags.has('p')) await p.fs.mkdir(abs(p, d), { recursive: true, mode });
      else await p.fs.mkdir(abs(p, d), { mode });
    } catch (e) {
      await err(p, `mkdir: can't create directory '${d}': ${strerror(e)}\n`);
      st = 1;
    }
  }
  return st;
};

const rm: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const force = flags.has('f');
  const recursive = flags.has('r') || flags.has('R');
  if (!operands.length) return force ? 0 : fail(p, 'missing operand');
  let st = 0;
  for (const f of operands) {
    const path = abs(p, f);
    if (path === '/' && recursive) {
      await err(p, `rm: can't remove '/': Resource busy\n`);
      st = 1;
      continue;
    }
    try {
      const ls = await p.fs.lstat(path);
      if (ls.type === 'dir' && !recursive) {
        await err(p, `rm: '${f}' is a directory\n`);
        st = 1;
        continue;
      }
      await p.fs.rm(path, { recursive, force });
    } catch (e) {
      if (force && errCode(e) === 'ENOENT') continue;
      await err(p, `rm: can't remove '${f}': ${strerror(e)}\n`);
      st = 1;
    }
  }
  return st;
};

const rmdir: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  let st = 0;
  for (const d of operands) {
    const paths = [d];
    if (flags.has('p')) for (let x = d; x.includes('/'); ) paths.push((x = x.slice(0, x.lastIndexOf('/'))));
    for (const x of paths) {
      if (!x) continue;
      try {
        const s = await p.fs.lstat(abs(p, x));
        if (s.type !== 'dir') throw Object.assign(new Error(), { code: 'ENOTDIR' });
        if ((await p.fs.readdir(abs(p, x))).length) throw Object.assign(new Error(), { code: 'ENOTEMPTY' });
        await p.fs.rm(abs(p, x), { recursive: true });
      } catch (e) {
        await err(p, `rmdir: '${x}': ${strerror(e)}\n`);
        st = 1;
        break;
      }
    }
  }
  return st;
};

const touch: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1), 'dtr');
  let st = 0;
  for (const f of operands) {
    const path = abs(p, f);
    try {
      const exists = await p.fs.stat(path).then(
        () => true,
        () => false,
      );
      if (!exists) {
        if (flags.has('c')) continue;
        await p.fs.writeFile(path, '', { append: true });
      } else {
        const now = Date.now();
        await p.fs.utimes(path, now, now);
      }
    } catch (e) {
      await err(p, `touch: ${f}: ${strerror(e)}\n`);
      st = 1;
    }
  }
  return st;
};

async function copyTree(p: Proc, from: string, to: string, recursive: boolean, label: string): Promise<number> {
  let st: FileStat;
  try {
    st = recursive ? await p.fs.lstat(from) : await p.fs.stat(from);
  } catch (e) {
    await err(p, `${cmdName(p)}: can't stat '${label}': ${strerror(e)}\n`);
    return 1;
  }
  if (st.type === 'dir') {
    if (!recursive) {
      await err(p, `cp: omitting directory '${label}'\n`);
      return 1;
    }
    if (to === from || to.startsWith(from + '/')) {
      await err(p, `cp: can't copy a directory into itself\n`);
      return 1;
    }
    try {
      const ex = await p.fs.stat(to).catch(() => undefined);
      if (!ex) await p.fs.mkdir(to, { mode: st.mode });
    } catch (e) {
      await err(p, `cp: can't create directory '${to}': ${strerror(e)}\n`);
      return 1;
    }
    let r = 0;
    for (const n of await p.fs.readdir(from)) r |= await copyTree(p, from + '/' + n, to + '/' + n, recursive, label + '/' + n);
    return r;
  }
  try {
    if (st.type === 'symlink') {
      await p.fs.rm(to, { force: true });
      await p.fs.symlink(await p.fs.readlink(from), to);
      return 0;
    }
    const rs = await p.fs.createReadStream(from);
    const ws = await p.fs.createWriteStream(to, { mode: st.mode });
    await new Promise<void>((resolve, reject) => {
      rs.on('error', reject);
      ws.on('error', reject);
      ws.on('finish', resolve);
      rs.pipe(ws);
    });
  } catch (e) {
    await err(p, `cp: can't create '${to}': ${strerror(e)}\n`);
    return 1;
  }
  return 0;
}

async function isDir(p: Proc, path: string): Promise<boolean> {
  return (await p.fs.stat(path).catch(() => undefined))?.type === 'dir';
}

const cp: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const recursive = flags.has('r') || flags.has('R') || flags.has('a');
  if (operands.length < 2) return fail(p, 'missing operand');
  const dest = abs(p, operands[operands.length - 1]!);
  const srcs = operands.slice(0, -1);
  const destDir = await isDir(p, dest);
  if (srcs.length > 1 && !destDir) return fail(p, `'${operands[operands.length - 1]}' is not a directory`);
  let st = 0;
  for (const s of srcs) {
    const from = abs(p, s);
    const base = from.slice(from.lastIndexOf('/') + 1);
    st |= await copyTree(p, from, destDir ? (dest === '/' ? '' : dest) + '/' + base : dest, recursive, s);
  }
  return st;
};

const mv: Command = async (p) => {
  const { operands } = parseFlags(p.argv.slice(1));
  if (operands.length < 2) return fail(p, 'missing operand');
  const dest = abs(p, operands[operands.length - 1]!);
  const srcs = operands.slice(0, -1);
  const destDir = await isDir(p, dest);
  if (srcs.length > 1 && !destDir) return fail(p, `'${operands[operands.length - 1]}' is not a directory`);
  let st = 0;
  for (const s of srcs) {
    const from = abs(p, s);
    const base = from.slice(from.lastIndexOf('/') + 1);
    const to = destDir ? (dest === '/' ? '' : dest) + '/' + base : dest;
    try {
      await p.fs.lstat(from);
    } catch (e) {
      await err(p, `mv: can't rename '${s}': ${strerror(e)}\n`);
      st = 1;
      continue;
    }
    try {
      await p.fs.rename(from, to);
    } catch (e) {
      await err(p, `mv: can't rename '${s}': ${strerror(e)}\n`);
      st = 1;
    }
  }
  return st;
};

const ln: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  if (operands.length < 1) return fail(p, 'missing operand');
  const target = operands[0]!;
  let link = operands[1] ?? target.slice(target.lastIndexOf('/') + 1);
  if (await isDir(p, abs(p, link)) && !flags.has('n')) link = link + '/' + target.slice(target.lastIndexOf('/') + 1);
  const path = abs(p, link);
  try {
    if (flags.has('f')) await p.fs.rm(path, { force: true });
    if (flags.has('s')) await p.fs.symlink(target, path);
    else {
      // hard links: a copy
      const data = await p.fs.readFile(abs(p, target));
      const exists = await p.fs.lstat(path).then(
        () => true,
        () => false,
      );
      if (exists) throw Object.assign(new Error(), { code: 'EEXIST' });
      await p.fs.writeFile(path, data);
    }
  } catch (e) {
    await err(p, `ln: ${link}: ${strerror(e)}\n`);
    return 1;
  }
  return 0;
};

const chmod: Command = async (p) => {
  const args = p.argv.slice(1);
  const recursive = args[0] === '-R';
  if (recursive) args.shift();
  const [modeArg, ...files] = args;
  if (!modeArg || !files.length) return fail(p, 'missing operand');
  let st = 0;
  const apply = async (f: string, path: string) => {
    try {
      const cur = await p.fs.stat(path);
      const mode = computeMode(modeArg, cur.mode, cur.type === 'dir');
      if (mode === undefined) {
        await err(p, `chmod: invalid mode '${modeArg}'\n`);
        st = 1;
        return;
      }
      await p.fs.chmod(path, mode);
      if (recursive && cur.type === 'dir') for (const n of await p.fs.readdir(path)) await apply(f + '/' + n, path + '/' + n);
    } catch (e) {
      await err(p, `chmod: ${f}: ${strerror(e)}\n`);
      st = 1;
    }
  };
  for (const f of files) await apply(f, abs(p, f));
  return st;
};

function computeMode(spec: string, cur: number, dir: boolean): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = cur;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) return undefined;
    const who = m[1] || 'a';
    let bits = 0;
    for (const c of m[3]!) {
      const b = c === 'r' ? 4 : c === 'w' ? 2 : c === 'x' || (c === 'X' && (dir || cur & 0o111)) ? 1 : 0;
      if (who.includes('u') || who.includes('a')) bits |= b << 6;
      if (who.includes('g') || who.includes('a')) bits |= b << 3;
      if (who.includes('o') || who.includes('a')) bits |= b;
      if (c === 't') bits |= 0o1000;
    }
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else {
      let mask = 0;
      if (who.includes('u') || who.includes('a')) mask |= 0o700;
      if (who.includes('g') || who.includes('a')) mask |= 0o070;
      if (who.includes('o') || who.includes('a')) mask |= 0o007;
      mode = (mode & ~mask) | bits;
    }
  }
  return mode;
}

const stat: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1), 'c');
  let st = 0;
  for (const f of operands) {
    const path = abs(p, f);
    const s = await statOr(p, path, flags.has('L'));
    if (s instanceof Error) {
      await err(p, `stat: can't stat '${f}': ${strerror(s)}\n`);
      st = 1;
      continue;
    }
    const kind = s.type === 'dir' ? 'directory' : s.type === 'symlink' ? 'symbolic link' : s.size === 0 ? 'regular empty file' : 'regular file';
    const fmt = flags.get('c');
    if (typeof fmt === 'string') {
      await out(
        p,
        fmt.replace(/%([nsaAFUGYyu])/g, (_m, c: string) =>
          c === 'n' ? f : c === 's' ? String(s.size) : c === 'a' ? (s.mode & 0o7777).toString(8) : c === 'A' ? modeString(s.type, s.mode) : c === 'F' ? kind : c === 'U' || c === 'G' ? 'root' : c === 'u' ? '0' : c === 'Y' ? String(Math.floor(s.mtimeMs / 1000)) : new Date(s.mtimeMs).toISOString(),
        ) + '\n',
      );
      continue;
    }
    const t = new Date(s.mtimeMs).toISOString().replace('T', ' ').replace('Z', ' +0000');
    await out(
      p,
      `  File: '${f}'${s.type === 'symlink' ? ` -> '${await p.fs.readlink(path)}'` : ''}\n` +
        `  Size: ${s.size}\t\tBlocks: ${Math.ceil(s.size / 512)}          IO Block: 4096   ${kind}\n` +
        `Access: (${(s.mode & 0o7777).toString(8).padStart(4, '0')}/${modeString(s.type, s.mode)})  Uid: (    0/    root)   Gid: (    0/    root)\n` +
        `Access: ${t}\nModify: ${t}\nChange: ${t}\n`,
    );
  }
  return st;
};

const readlink: Command = async (p) => {
  const { flags, operands } = parseFlags(p.argv.slice(1));
  const f = operands[0];
  if (!f) return 1;
  if (flags.has('f')) return realpath(p);
  try {
    await out(p, (await p.fs.readlink(abs(p, f))) + '\n');
    return 0;
  } catch {
    return 1;
  }
};

const realpath: Command = async (p) => {
  const { operands } = parseFlags(p.argv.slice(1));
  let st = 0;
  for (const f of operands) {
    // resolve symlinks component by component in the container view
    let cur = '/';
    const comps = abs(p, f).split('/').filter(Boolean);
    let hops = 0;
    let ok = true;
    while (comps.length) {
      const c = comps.shift()!;
      const next = abs(p, (cur === '/' ? '' : cur) + '/' + c);
      const s = await p.fs.lstat(next).catch(() => undefined);
      if (s?.type === 'symlink' && hops++ < 40) {
        const t = await p.fs.readlink(next);
        if (t.startsWith('/')) cur = '/';
        comps.unshift(...t.split('/').filter(Boolean));
        continue;
      }
      if (!s && comps.length) ok = false;
      cur = next;
    }
    if (!ok) {
      await err(p, `${cmdName(p)}: ${f}: No such file or directory\n`);
      st = 1;
      continue;
    }
    await out(p, cur + '\n');
  }
  return st;
};

const find: Command = async (p) => {
  const args = p.argv.slice(1);
  const roots: string[] = [];
  while (args.length && !args[0]!.startsWith('-') && args[0] !== '!' && args[0] !== '(') roots.push(args.shift()!);
  if (!roots.length) roots.push('.');
  let name: string | undefined;
  let iname: string | undefined;
  let type: string | undefined;
  let maxdepth = Infinity;
  let mindepth = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-name') name = args[++i];
    else if (a === '-iname') iname = args[++i];
    else if (a === '-type') type = args[++i];
    else if (a === '-maxdepth') maxdepth = Number(args[++i]);
    else if (a === '-mindepth') mindepth = Number(args[++i]);
    else if (a === '-print') continue;
    else return fail(p, `unrecognized: ${a}`);
  }
  let st = 0;
  const walk = async (shown: string, path: string, depth: number) => {
    const s = await p.fs.lstat(path).catch((e: unknown) => e as Error);
    if (s instanceof Error) {
      await err(p, `find: ${shown}: ${strerror(s)}\n`);
      st = 1;
      return;
    }
    const base = shown.slice(shown.replace(/\/+$/, '').lastIndexOf('/') + 1);
    const t = s.type === 'dir' ? 'd' : s.type === 'symlink' ? 'l' : 'f';
    const match =
      depth >= mindepth && (!name || globMatch(name, base)) && (!iname || globMatch(iname.toLowerCase(), base.toLowerCase())) && (!type || type === t);
    if (match) await out(p, shown + '\n');
    if (s.type === 'dir' && depth < maxdepth) {
      for (const n of await p.fs.readdir(path)) await walk((shown.endsWith('/') ? shown : shown + '/') + n, (path === '/' ? '' : path) + '/' + n, depth + 1);
    }
  };
  for (const r of roots) await walk(r, abs(p, r), 0);
  return st;
};

const basename: Command = async (p) => {
  const [, name, suffix] = p.argv;
  if (name === undefined) return fail(p, 'missing operand');
  let b = name.replace(/\/+$/, '');
  b = b === '' && name.startsWith('/') ? '/' : b.slice(b.lastIndexOf('/') + 1);
  if (suffix && b !== suffix && b.endsWith(suffix)) b = b.slice(0, -suffix.length);
  await out(p, b + '\n');
  return 0;
};

const dirname: Command = async (p) => {
  const name = p.argv[1];
  if (name === undefined) return fail(p, 'missing operand');
  let d = name.replace(/\/+$/, '');
  if (d === '') d = name.startsWith('/') ? '/' : '.';
  else if (!d.includes('/')) d = '.';
  else d = d.slice(0, d.lastIndexOf('/')).replace(/\/+$/, '') || '/';
  await out(p, d + '\n');
  return 0;
};

/** glob-expanded helper for callers that get unexpanded patterns (xargs -I …) */
export async function globOperands(p: Proc, pats: string[]): Promise<string[]> {
  const outNames: string[] = [];
  for (const pat of pats) {
    const m = await expandGlob(p.fs, pat, p.cwd);
    outNames.push(...(m.length ? m : [pat]));
  }
  return outNames;
}

export const FILE_COMMANDS: Record<string, Command> = {
  cat,
  ls,
  mkdir,
  rm,
  rmdir,
  touch,
  cp,
  mv,
  ln,
  chmod,
  stat,
  readlink,
  realpath,
  find,
  basename,
  dirname,
};
