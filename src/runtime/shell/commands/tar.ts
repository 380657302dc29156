// tar (c/x/t, f -, C, v, z, m, o, --no-same-permissions/--no-same-owner) over the container's view, as
// kubectl cp runs it: `tar cf - PATH` from a pod, `tar [--no-same-permissions --no-same-owner] -xmf - -C DIR`
// to a pod (staging/src/k8s.io/kubectl/pkg/cmd/cp/cp.go). Entry names are resolved inside the
// container: `../` and absolute names never leave the target directory's view (busybox strips them).
import { createGunzip, createGzip } from 'node:zlib';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type * as TarStream from 'tar-stream';
import { normalizePath } from '../../fs.js';
import { abs, err, out, strerror, type Command, type Proc } from '../proc.js';
import { write } from '../io.js';
import { fail, openInput } from './util.js';

interface TarOpts {
  mode?: 'c' | 'x' | 't';
  file?: string;
  dir?: string;
  verbose: boolean;
  gzip: boolean;
  keepMtime: boolean;
  samePerms: boolean;
  operands: string[];
  excludes: string[];
  strip: number;
}

function parseTarArgs(args: string[]): TarOpts | string {
  const o: TarOpts = { verbose: false, gzip: false, keepMtime: true, samePerms: true, operands: [], excludes: [], strip: 0 };
  const wantValue: ('f' | 'C')[] = [];
  const takeValue = (i: number): number => {
    while (wantValue.length && i + 1 < args.length) {
      const k = wantValue.shift()!;
      const v = args[++i]!;
      if (k === 'f') o.file = v;
      else o.dir = v;
    }
    return i;
  };
  const letters = (arg: string): string | undefined => {
    const dashed = arg.startsWith('-');
    const s = dashed ? arg.slice(1) : arg;
    for (let j = 0; j < s.length; j++) {
      const c = s[j]!;
      if (c === 'c' || c === 'x' || c === 't') o.mode = c;
      else if (c === 'v') o.verbose = true;
      else if (c === 'z') o.gzip = true;
      else if (c === 'm') o.keepMtime = false;
      else if (c === 'o') continue;
      else if (c === 'p') o.samePerms = true;
      else if (c === 'f' || c === 'C') {
        const rest = s.slice(j + 1);
        if (rest && dashed) {
          if (c === 'f') o.file = rest;
          else o.dir = rest;
          return undefined;
        }
        wantValue.push(c);
      } else if (c === 'h' || c === 'k' || c === 'O') continue;
      else return `invalid option -- '${c}'`;
    }
    return undefined;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      if (a === '--no-same-permissions') o.samePerms = false;
      else if (a === '--no-same-owner' || a === '--same-owner' || a === '--preserve-permissions' || a === '--overwrite') continue;
      else if (a === '--gzip') o.gzip = true;
      else if (a === '--extract') o.mode = 'x';
      else if (a === '--create') o.mode = 'c';
      else if (a === '--list') o.mode = 't';
      else if (a === '--verbose') o.verbose = true;
      else if (a.startsWith('--exclude=')) o.excludes.push(a.slice(10));
      else if (a.startsWith('--strip-components=')) o.strip = Number(a.slice(19)) || 0;
      else if (a === '--file' || a === '--directory') {
        const v = args[++i];
        if (a === '--file') o.file = v;
        else o.dir = v;
      } else if (a.startsWith('--file=')) o.file = a.slice(7);
      else if (a.startsWith('--directory=')) o.dir = a.slice(12);
      else return `unrecognized option '${a}'`;
      continue;
    }
    if (i === 0 && !a.startsWith('-')) {
      const e = letters(a);
      if (e) return e;
      i = takeValue(i);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const e = letters(a);
      if (e) return e;
      i = takeValue(i);
      continue;
    }
    if (a === '-C') continue;
    o.operands.push(a);
  }
  if (wantValue.length) return `option requires an argument -- '${wantValue[0]}'`;
  return o;
}

/** the tar entry's name made safe: `..` and leading `/` dropped (busybox: "removing leading '/'") */
function safeName(name: string): string {
  const comps = name.split('/').filter((c) => c !== '' && c !== '.' && c !== '..');
  return comps.join('/');
}

const tar: Command = async (p) => {
  const o = parseTarArgs(p.argv.slice(1));
  if (typeof o === 'string') return fail(p, o);
  if (!o.mode) return fail(p, 'need to specify one of -c, -x or -t', 1);
  const base = o.dir ? abs(p, o.dir) : p.cwd;
  if (o.dir) {
    const st = await p.fs.stat(base).catch(() => undefined);
    if (!st || st.type !== 'dir') return fail(p, `can't change directory to '${o.dir}': No such file or directory`);
  }
  if (o.mode === 'c') return create(p, o, base);
  return extract(p, o, base);
};

/** tar-stream is loaded on first use (start-up stays fast) */
let tarLib: Promise<typeof TarStream> | undefined;
const loadTar = () => (tarLib ??= import('tar-stream').then((m) => ((m as unknown as { default?: typeof TarStream }).default ?? m) as unknown as typeof TarStream));

async function create(p: Proc, o: TarOpts, base: string): Promise<number> {
  if (!o.operands.length) return fail(p, 'empty archive');
  const tarStream = await loadTar();
  const pack = tarStream.pack();
  let dest: Writable;
  let closeDest = async () => {};
  if (!o.file || o.file === '-') dest = p.stdout;
  else {
    try {
      dest = await p.fs.createWriteStream(abs(p, o.file));
    } catch (e) {
      return fail(p, `can't open '${o.file}': ${strerror(e)}`);
    }
    const d = dest;
    closeDest = () => new Promise<void>((r) => d.end(() => r()));
  }
  const source = (o.gzip ? (pack as unknown as Readable).pipe(createGzip()) : pack) as unknown as Readable;
  const pump = (async () => {
    for await (const chunk of source) await write(dest, chunk as Buffer, p.signal);
  })();
  pump.catch(() => undefined);
  let st = 0;
  let warned = false;
  const add = async (shown: string, path: string): Promise<void> => {
    let s;
    try {
      s = await p.fs.lstat(path);
    } catch (e) {
      await err(p, `tar: ${shown}: ${strerror(e)}\n`);
      st = 1;
      return;
    }
    let name = shown.replace(/\/+$/, '');
    if (name.startsWith('/')) {
      if (!warned) await err(p, "tar: removing leading '/' from member names\n");
      warned = true;
      name = name.replace(/^\/+/, '');
    }
    name = name.split('/').filter((c) => c !== '..' && c !== '.').join('/') || '.';
    if (o.excludes.some((x) => name === x || name.endsWith('/' + x))) return;
    if (o.verbose) await err(p, name + (s.type === 'dir' ? '/' : '') + '\n');
    const header = { name, mode: s.mode, mtime: new Date(s.mtimeMs), uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if (s.type === 'dir') {
      await new Promise<void>((r, j) => pack.entry({ ...header, name: name + '/', type: 'directory' }, (e) => (e ? j(e) : r())));
      for (const n of await p.fs.readdir(path)) await add((shown.endsWith('/') ? shown : shown + '/') + n, (path === '/' ? '' : path) + '/' + n);
    } else if (s.type === 'symlink') {
      const target = await p.fs.readlink(path);
      await new Promise<void>((r, j) => pack.entry({ ...header, type: 'symlink', linkname: target }, (e) => (e ? j(e) : r())));
    } else {
      const data = await p.fs.createReadStream(path);
      const entry = pack.entry({ ...header, type: 'file', size: s.size });
      await new Promise<void>((resolve, reject) => {
        data.on('error', reject);
        entry.on('error', reject);
        entry.on('finish', resolve);
        data.pipe(entry);
      });
    }
  };
  try {
    for (const op of o.operands) await add(op, normalizePath(op, base));
    pack.finalize();
    await pump;
  } catch (e) {
    pack.destroy();
    if ((e as Error).name === 'Aborted' || (e as { code?: string }).code === 'EPIPE') throw e;
    await err(p, `tar: ${strerror(e)}\n`);
    st = 1;
  } finally {
    await closeDest();
  }
  return st;
}

async function extract(p: Proc, o: TarOpts, base: string): Promise<number> {
  const tarStream = await loadTar();
  let src: { input: import('../io.js').Input; close: () => void } | undefined;
  if (!o.file || o.file === '-') src = { input: p.stdin, close: () => undefined };
  else {
    src = await openInput(p, o.file);
    if (!src) return 1;
  }
  // gzip is recognised by its magic, as GNU and busybox tar do
  const first = await src.input.read(p.signal);
  if (first) {
    if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) o.gzip = true;
    src.input.unshift(first);
  }
  let input: Readable;
  {
    const s2 = src;
    const pt = new PassThrough();
    (async () => {
      for (let c = await s2.input.read(p.signal); c !== null; c = await s2.input.read(p.signal)) {
        if (!pt.write(c)) await new Promise((r) => pt.once('drain', r));
      }
      pt.end();
      s2.close();
    })().catch(() => pt.end());
    input = pt;
  }
  if (o.gzip) {
    const gz = createGunzip();
    input.pipe(gz);
    input = gz;
  }
  const ex = tarStream.extract();
  input.on('error', (e) => ex.destroy(e));
  input.pipe(ex);
  let st = 0;
  let warned = false;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const raw = h.name;
      if (raw.startsWith('/') && !warned) {
        warned = true;
        await err(p, "tar: removing leading '/' from member names\n");
      }
      let name = safeName(raw);
      if (o.strip) name = name.split('/').slice(o.strip).join('/');
      if (!name) {
        entry.resume();
        continue;
      }
      if (o.mode === 't') {
        await out(p, (o.verbose ? `${h.type === 'directory' ? 'd' : '-'}rw-r--r-- root/root ${String(h.size ?? 0).padStart(9)} ` : '') + raw + '\n');
        entry.resume();
        continue;
      }
      if (o.verbose) await out(p, raw + '\n');
      const target = normalizePath(name, base);
      const mode = o.samePerms ? (h.mode ?? 0o644) & 0o7777 : ((h.mode ?? 0o644) & 0o777 & ~0o022);
      try {
        const parent = target.slice(0, target.lastIndexOf('/')) || '/';
        await p.fs.mkdir(parent, { recursive: true });
        if (h.type === 'directory') {
          const ex2 = await p.fs.stat(target).catch(() => undefined);
          if (!ex2) await p.fs.mkdir(target, { mode: mode | 0o700 });
          entry.resume();
        } else if (h.type === 'symlink') {
          await p.fs.rm(target, { force: true });
          await p.fs.symlink(h.linkname ?? '', target);
          entry.resume();
        } else if (h.type === 'link') {
          const from = normalizePath(safeName(h.linkname ?? ''), base);
          await p.fs.rm(target, { force: true });
          await p.fs.writeFile(target, await p.fs.readFile(from));
          entry.resume();
        } else if (h.type === 'file' || h.type === 'contiguous-file' || !h.type) {
          // a symlink in the way is replaced, never followed
          const cur = await p.fs.lstat(target).catch(() => undefined);
          if (cur && cur.type !== 'dir') await p.fs.rm(target, { force: true });
          const w = await p.fs.createWriteStream(target, { mode });
          await new Promise<void>((resolve, reject) => {
            entry.on('error', reject);
            w.on('error', reject);
            w.on('finish', resolve);
            entry.pipe(w);
          });
          await p.fs.chmod(target, mode).catch(() => undefined);
          if (o.keepMtime && h.mtime) await p.fs.utimes(target, Date.now(), h.mtime.getTime()).catch(() => undefined);
        } else entry.resume();
      } catch (e) {
        entry.resume();
        await err(p, `tar: can't create '${name}': ${strerror(e)}\n`);
        st = 1;
      }
    }
  } catch (e) {
    if ((e as Error).name === 'Aborted') throw e;
    await err(p, `tar: ${(e as Error).message.includes('gzip') || (e as Error).message.includes('header') ? 'invalid tar magic' : strerror(e)}\n`);
    return 1;
  }
  return st;
}

export const TAR_COMMANDS: Record<string, Command> = { tar };
