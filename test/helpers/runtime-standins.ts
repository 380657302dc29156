// Simple stand-ins for the runtime's other parts (the real ones: src/runtime/fs.ts, shell/, logs.ts,
// mainprocess.ts), enough for the SimulatedRuntime's tests: a filesystem over the mount table, a
// shell of a few commands (echo, cat, hostname, env, ls, wget), an in-memory log store.
import * as fsp from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { join, posix } from 'node:path';
import type {
  ContainerFS,
  ContainerFSSpec,
  ContainerKey,
  ContainerLogs,
  FileStat,
  MainProcess,
  ProcessContext,
  ProcessResult,
  RunCommand,
  SessionStreams,
  StartMainProcess,
} from '../../src/runtime/types.js';
import type { RuntimeParts } from '../../src/runtime/runtime.js';

export function simpleFS(spec: ContainerFSSpec): ContainerFS {
  const mounts = [...spec.mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const resolve = (p: string, forWrite = false): string => {
    const abs = posix.normalize(`/${p}`);
    for (const m of mounts) {
      if (abs === m.mountPath || abs.startsWith(m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`)) return join(m.hostPath, abs.slice(m.mountPath.length));
    }
    const inRoot = join(spec.rootDir, abs);
    if (forWrite || existsSync(inRoot) || !spec.imageDir) return inRoot;
    const inImage = join(spec.imageDir, abs);
    return existsSync(inImage) ? inImage : inRoot;
  };
  const toStat = (s: import('node:fs').Stats): FileStat => ({ type: s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'file', size: s.size, mode: s.mode & 0o7777, mtimeMs: s.mtimeMs });
  return {
    stat: async (p) => toStat(await fsp.stat(resolve(p))),
    lstat: async (p) => toStat(await fsp.lstat(resolve(p))),
    readFile: (p) => fsp.readFile(resolve(p)),
    createReadStream: async (p) => Readable.from([await fsp.readFile(resolve(p))]),
    writeFile: async (p, d, o) => (o?.append ? fsp.appendFile(resolve(p, true), d) : fsp.writeFile(resolve(p, true), d)),
    createWriteStream: async () => new Writable({ write: (_c, _e, cb) => cb() }),
    readdir: async (p) => {
      const names = new Set<string>();
      for (const dir of [join(spec.rootDir, p), spec.imageDir ? join(spec.imageDir, p) : '', resolve(p)]) if (dir) for (const n of await fsp.readdir(dir).catch(() => [])) names.add(n);
      return [...names].sort();
    },
    mkdir: async (p, o) => void (await fsp.mkdir(resolve(p, true), o)),
    rm: (p, o) => fsp.rm(resolve(p, true), o),
    rename: (a, b) => fsp.rename(resolve(a, true), resolve(b, true)),
    symlink: (t, p) => fsp.symlink(t, resolve(p, true)),
    readlink: (p) => fsp.readlink(resolve(p)),
    chmod: (p, m) => fsp.chmod(resolve(p, true), m),
    utimes: (p, a, m) => fsp.utimes(resolve(p, true), a / 1000, m / 1000),
  };
}

const out = (s: SessionStreams, text: string) => s.stdout?.write(text);
const err = (s: SessionStreams, text: string) => (s.stderr ?? s.stdout)?.write(text);

/** GET url through the pod network; the body. */
export async function httpGet(ctx: ProcessContext, url: string): Promise<{ status: number; body: string }> {
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m) throw new Error(`bad url ${url}`);
  const [, host, port, path] = m;
  const found = await ctx.network.lookup(host);
  if (!found) throw Object.assign(new Error(`bad address '${host}'`), { code: 'ENOTFOUND' });
  const sock = await ctx.network.connect(found.addresses[0], Number(port ?? 80));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const i = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.split(' ')[1]), body: text.slice(i + 4) });
    });
    sock.write(`GET ${path ?? '/'} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n`);
  });
}

/** A shell of a few commands. */
export const simpleRun: RunCommand = async (argv, ctx, s): Promise<ProcessResult> => {
  const [cmd, ...args] = argv;
  try {
    switch (cmd) {
      case 'echo':
        out(s, `${args.join(' ')}\n`);
        return { exitCode: 0 };
      case 'hostname':
        out(s, `${ctx.hostname}\n`);
        return { exitCode: 0 };
      case 'env':
        out(s, Object.entries(ctx.env).map(([k, v]) => `${k}=${v}\n`).join(''));
        return { exitCode: 0 };
      case 'cat':
        for (const a of args) out(s, (await ctx.fs.readFile(posix.resolve(ctx.cwd, a))).toString());
        return { exitCode: 0 };
      case 'ls':
        out(s, (await ctx.fs.readdir(args[0] ?? ctx.cwd)).join('\n') + '\n');
        return { exitCode: 0 };
      case 'wget': {
        const url = args[args.length - 1];
        const r = await httpGet(ctx, url);
        if (r.status >= 400) {
          err(s, `wget: server returned error: HTTP/1.1 ${r.status}\n`);
          return { exitCode: 1 };
        }
        out(s, r.body);
        return { exitCode: 0 };
      }
      default:
        err(s, `sh: ${cmd}: not found\n`);
        return { exitCode: 127 };
    }
  } catch (e: any) {
    err(s, `${cmd}: ${e?.code ?? ''} ${e?.message}\n`);
    return { exitCode: 1 };
  }
};

export interface MemoryLogs extends ContainerLogs {
  text(uid: string, container: string, restart?: number): string;
  ended: string[];
  removed: string[];
}

export function memoryLogs(): MemoryLogs {
  const store = new Map<string, string>();
  const k = (key: ContainerKey, r: number) => `${key.uid}/${key.container}/${r}`;
  const logs: MemoryLogs = {
    ended: [],
    removed: [],
    sink: (key, r) => ({ write: (_stream, data) => void store.set(k(key, r), (store.get(k(key, r)) ?? '') + data.toString()) }),
    end: (key, r) => void logs.ended.push(k(key, r)),
    remove: (uid) => void logs.removed.push(uid),
    text: (uid, c, r = 0) => store.get(`${uid}/${c}/${r}`) ?? '',
  };
  return logs;
}

/** Runs argv once through `run`, its output to the log; stop() ends it. */
export const simpleMain: StartMainProcess = (argv, ctx, opts): MainProcess => {
  const ac = new AbortController();
  const write = (stream: 'stdout' | 'stderr') => new Writable({ write: (c, _e, cb) => (opts.log.write(stream, c), cb()) });
  const exited = opts.run(argv, ctx, { stdout: write('stdout'), stderr: write('stderr'), tty: false, signal: ac.signal });
  return {
    exited,
    attach: () => exited,
    stop: async () => {
      ac.abort();
      return exited;
    },
  };
};

export function standInParts(logs = memoryLogs()): Partial<RuntimeParts> & { logs: MemoryLogs } {
  return { createFS: simpleFS, runCommand: simpleRun, startMainProcess: simpleMain, logs };
}

/** Collects a session's stdout/stderr. */
export function captureStreams(): { streams: SessionStreams; stdout: () => string; stderr: () => string; abort: () => void } {
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  const ac = new AbortController();
  return {
    streams: {
      stdout: new Writable({ write: (c, _x, cb) => (o.push(Buffer.from(c)), cb()) }),
      stderr: new Writable({ write: (c, _x, cb) => (e.push(Buffer.from(c)), cb()) }),
      tty: false,
      signal: ac.signal,
    },
    stdout: () => Buffer.concat(o).toString(),
    stderr: () => Buffer.concat(e).toString(),
    abort: () => ac.abort(),
  };
}
