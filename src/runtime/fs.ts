// A container's filesystem view (issue 16): absolute container paths mapped onto host directories —
// the volume mounts (longest mountPath wins), the container's writable root and a read-only image
// layer under it (overlayfs-like: reads fall through to the image, writes go to the root, deleting an
// image file leaves a `.wh.<name>` whiteout in the root, a re-created directory an opaque marker).
//
// Safety: paths are resolved one component at a time in the container's view (chroot semantics): `..`
// stops at `/`, symlinks are read with lstat/readlink and their targets (absolute or relative) resolved
// again in the container's view, so no path handed to the host ever contains a symlink or a component
// outside the root, the image dir and the mounts. Files are opened with O_NOFOLLOW as a second guard.
import * as nfs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as hpath from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ContainerFS, ContainerFSSpec, FileStat, MountSpec } from './types.js';

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_LINKS = 40;
const { O_NOFOLLOW, O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = nfs.constants;

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  EEXIST: 'file already exists',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  ELOOP: 'too many symbolic links encountered',
  EBUSY: 'resource busy or locked',
  EINVAL: 'invalid argument',
  EXDEV: 'cross-device link not permitted',
};

/** A Node-style error (`err.code`) naming the container path, never the host path. */
export function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: ${MESSAGES[code] ?? code}, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

/** Splits a container path into its components (`.` and empty ones dropped; `..` kept). */
export function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** Normalises a container path lexically (`..` stops at `/`), relative to `cwd`. */
export function normalizePath(p: string, cwd = '/'): string {
  const comps = p.startsWith('/') ? splitPath(p) : [...splitPath(cwd), ...splitPath(p)];
  const out: string[] = [];
  for (const c of comps) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return '/' + out.join('/');
}

interface Mount {
  comps: string[];
  spec: MountSpec;
}

/** Where one resolved container path lives. */
interface Loc {
  /** the resolved container path's components */
  comps: string[];
  /** 'mount' | 'upper' (root dir) | 'lower' (image) | 'virtual' (a directory only mounts imply) | 'dev' | 'none' */
  layer: 'mount' | 'upper' | 'lower' | 'virtual' | 'dev' | 'none';
  /** the host path (for 'none': where it would be created) */
  host: string;
  mount?: Mount;
  st?: nfs.Stats;
  /** the root-layer entry also exists in the image (a delete must leave a whiteout) */
  inLower?: boolean;
  /** the root-layer's image path for these components, when the image may hold it */
  lowerHost?: string;
}

async function lstatOrUndef(p: string): Promise<nfs.Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch {
    return undefined;
  }
}

function toStat(st: nfs.Stats): FileStat {
  return {
    type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
    size: st.isDirectory() ? 4096 : st.size,
    mode: st.mode & 0o7777,
    mtimeMs: st.mtimeMs,
  };
}

const DEV_FILES = new Set(['null', 'zero', 'stdout', 'stderr', 'stdin', 'tty']);

class OverlayFS implements ContainerFS {
  private readonly mounts: Mount[];
  private readonly root: string;
  private readonly image?: string;

  constructor(spec: ContainerFSSpec) {
    this.root = hpath.resolve(spec.rootDir);
    this.image = spec.imageDir ? hpath.resolve(spec.imageDir) : undefined;
    this.mounts = spec.mounts
      .map((m) => ({ comps: splitPath(normalizePath(m.mountPath)), spec: { ...m, hostPath: hpath.resolve(m.hostPath) } }))
      .sort((a, b) => b.comps.length - a.comps.length);
  }

  private mountFor(comps: string[]): Mount | undefined {
    for (const m of this.mounts) {
      if (m.comps.length <= comps.length && m.comps.every((c, i) => comps[i] === c)) return m;
    }
    return undefined;
  }

  /** a directory that only exists because a mount lies below it */
  private impliedByMount(comps: string[]): boolean {
    return this.mounts.some((m) => m.comps.length > comps.length && comps.every((c, i) => m.comps[i] === c));
  }

  /** Locates one path whose parent components are known to be directories (no symlinks) in the view. */
  private async locate(comps: string[]): Promise<Loc> {
    const mount = this.mountFor(comps);
    if (mount) {
      const rest = comps.slice(mount.comps.length);
      const host = hpath.join(mount.spec.hostPath, ...rest);
      // the mount's own host path is the runtime's (trusted): follow it; below it, never follow
      const st = rest.length === 0 ? await fsp.stat(host).catch(() => undefined) : await lstatOrUndef(host);
      return { comps, layer: st ? 'mount' : 'none', host, mount, st };
    }
    if (comps.length === 2 && comps[0] === 'dev' && DEV_FILES.has(comps[1]!)) {
      return { comps, layer: 'dev', host: '' };
    }
    // the overlay: walk the root (upper) and image (lower) side by side
    let upper = this.root;
    let lower = this.image;
    let lowerOk = lower !== undefined;
    let ust: nfs.Stats | undefined;
    let lst: nfs.Stats | undefined;
    for (let i = 0; i < comps.length; i++) {
      const name = comps[i]!;
      const upperParentExists = i === 0 || (ust?.isDirectory() ?? false);
      if (lowerOk && upperParentExists) {
        if ((await lstatOrUndef(hpath.join(upper, OPAQUE))) || (await lstatOrUndef(hpath.join(upper, WH + name)))) lowerOk = false;
      }
      upper = hpath.join(upper, name);
      ust = upperParentExists ? await lstatOrUndef(upper) : undefined;
      if (ust && !ust.isDirectory()) lowerOk = false;
      if (lowerOk) {
        lower = hpath.join(lower!, name);
        lst = await lstatOrUndef(lower);
        if (!lst) lowerOk = false;
        else if (i < comps.length - 1 && !lst.isDirectory()) lowerOk = false;
      }
    }
    if (comps.length === 0) {
      ust = await fsp.stat(this.root).catch(() => undefined);
    }
    const inLower = lowerOk && lst !== undefined && comps.length > 0;
    if (ust) return { comps, layer: 'upper', host: upper, st: ust, inLower, lowerHost: inLower ? lower : undefined };
    if (inLower) return { comps, layer: 'lower', host: lower!, st: lst, inLower, lowerHost: lower };
    if (this.impliedByMount(comps)) return { comps, layer: 'virtual', host: upper };
    return { comps, layer: 'none', host: upper };
  }

  /**
   * Resolves a container path in the view: `..` and symlinks (absolute targets from `/`) are resolved
   * component by component. `followLast` follows a symlink in the last component. A missing last
   * component gives layer 'none' (its parent exists); a missing parent throws ENOENT.
   */
  private async resolve(path: string, followLast: boolean, syscall: string): Promise<Loc> {
    const queue = splitPath(path);
    const stack: string[] = [];
    let links = 0;
    let loc: Loc | undefined;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === '..') {
        stack.pop();
        loc = undefined;
        continue;
      }
      const cand = [...stack, c];
      const isLast = queue.length === 0;
      const l = await this.locate(cand);
      if (l.st?.isSymbolicLink() && (!isLast || followLast)) {
        if (++links > MAX_LINKS) throw fsError('ELOOP', syscall, path);
        const target = await fsp.readlink(l.host);
        if (target.startsWith('/')) stack.length = 0;
        queue.unshift(...splitPath(target));
        loc = undefined;
        continue;
      }
      const isDir = l.layer === 'virtual' || (l.st?.isDirectory() ?? false);
      if (!isLast) {
        if (l.layer === 'none') throw fsError('ENOENT', syscall, path);
        if (l.layer === 'dev' || !isDir) {
          // `file/..` and `file/x` both fail as the kernel would
          throw fsError('ENOTDIR', syscall, path);
        }
      }
      stack.push(c);
      loc = l;
    }
    return loc ?? (await this.locate(stack));
  }

  private checkWritable(loc: Loc, syscall: string, path: string): void {
    if (loc.mount?.spec.readOnly) throw fsError('EROFS', syscall, path);
    if (loc.layer === 'mount' && loc.comps.length === loc.mount!.comps.length && syscall !== 'open' && syscall !== 'chmod' && syscall !== 'utime')
      throw fsError('EBUSY', syscall, path);
  }

  /** makes sure the root layer holds this path's parent directories (copying them up from the image) */
  private async ensureUpperParents(comps: string[]): Promise<void> {
    let upper = this.root;
    for (let i = 0; i < comps.length - 1; i++) {
      upper = hpath.join(upper, comps[i]!);
      const st = await lstatOrUndef(upper);
      if (st?.isDirectory()) continue;
      if (st) throw fsError('ENOTDIR', 'mkdir', '/' + comps.join('/'));
      const l = await this.locate(comps.slice(0, i + 1));
      await fsp.mkdir(upper, { mode: l.st ? l.st.mode & 0o7777 : 0o755 });
    }
  }

  /** the host path to write at for a resolved root-layer location (copying an image file up first) */
  private async upperFor(loc: Loc, copyContent: boolean): Promise<string> {
    if (loc.layer === 'mount' || loc.layer === 'none' && loc.mount) return loc.host;
    await this.ensureUpperParents(loc.comps);
    const upper = hpath.join(this.root, ...loc.comps);
    if (loc.layer === 'lower' && loc.st) {
      if (loc.st.isDirectory()) await fsp.mkdir(upper, { mode: loc.st.mode & 0o7777 });
      else if (loc.st.isSymbolicLink()) await fsp.symlink(await fsp.readlink(loc.host), upper);
      else if (copyContent) await fsp.copyFile(loc.host, upper);
    }
    // a new entry where a whiteout was: drop the whiteout
    if (loc.layer === 'none' || loc.layer === 'virtual') {
      const wh = hpath.join(hpath.dirname(upper), WH + loc.comps[loc.comps.length - 1]);
      if (await lstatOrUndef(wh)) await fsp.rm(wh, { force: true });
    }
    return upper;
  }

  /** the host path of a container path (its root-layer location when it exists nowhere yet) */
  async hostPath(path: string): Promise<string | undefined> {
    const loc = await this.resolve(path, true, 'stat').catch(() => undefined);
    if (!loc) return undefined;
    if (loc.layer === 'lower' || loc.layer === 'virtual' || loc.layer === 'none') return hpath.join(this.root, ...loc.comps);
    return loc.host || undefined;
  }

  async stat(path: string): Promise<FileStat> {
    const loc = await this.resolve(path, true, 'stat');
    return this.statOf(loc, path, 'stat');
  }

  async lstat(path: string): Promise<FileStat> {
    const loc = await this.resolve(path, false, 'lstat');
    return this.statOf(loc, path, 'lstat');
  }

  private statOf(loc: Loc, path: string, syscall: string): FileStat {
    if (loc.layer === 'virtual') return { type: 'dir', size: 4096, mode: 0o755, mtimeMs: Date.now() };
    if (loc.layer === 'dev') return { type: 'file', size: 0, mode: 0o666, mtimeMs: Date.now() };
    if (!loc.st) throw fsError('ENOENT', syscall, path);
    return toStat(loc.st);
  }

  private async openRead(path: string): Promise<{ loc: Loc; fh?: fsp.FileHandle }> {
    const loc = await this.resolve(path, true, 'open');
    if (loc.layer === 'dev') return { loc };
    if (loc.layer === 'none' || !loc.st) throw fsError('ENOENT', 'open', path);
    if (loc.layer === 'virtual' || loc.st.isDirectory()) throw fsError('EISDIR', 'read', path);
    try {
      return { loc, fh: await fsp.open(loc.host, O_RDONLY | O_NOFOLLOW) };
    } catch (e) {
      throw fsError((e as NodeJS.ErrnoException).code ?? 'EACCES', 'open', path);
    }
  }

  async readFile(path: string): Promise<Buffer> {
    const { fh } = await this.openRead(path);
    if (!fh) return Buffer.alloc(0);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async createReadStream(path: string): Promise<Readable> {
    const { fh } = await this.openRead(path);
    if (!fh) {
      const p = new PassThrough();
      p.end();
      return p;
    }
    return fh.createReadStream();
  }

  private async openWrite(path: string, opts?: { append?: boolean; mode?: number }): Promise<fsp.FileHandle | undefined> {
    const loc = await this.resolve(path, true, 'open');
    if (loc.layer === 'dev') return undefined;
    if (loc.layer === 'virtual' || loc.st?.isDirectory()) throw fsError('EISDIR', 'open', path);
    this.checkWritable(loc, 'open', path);
    const host = await this.upperFor(loc, opts?.append === true);
    const flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (opts?.append ? O_APPEND : O_TRUNC);
    try {
      return await fsp.open(host, flags, opts?.mode ?? 0o644);
    } catch (e) {
      throw fsError((e as NodeJS.ErrnoException).code ?? 'EACCES', 'open', path);
    }
  }

  async writeFile(path: string, data: Buffer | string, opts?: { append?: boolean; mode?: number }): Promise<void> {
    const fh = await this.openWrite(path, opts);
    if (!fh) return;
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
  }

  async createWriteStream(path: string, opts?: { append?: boolean; mode?: number }): Promise<Writable> {
    const fh = await this.openWrite(path, opts);
    if (!fh) return new Writable({ write: (_c, _e, cb) => cb() });
    return fh.createWriteStream();
  }

  async readdir(path: string): Promise<string[]> {
    const loc = await this.resolve(path, true, 'scandir');
    if (loc.layer === 'none') throw fsError('ENOENT', 'scandir', path);
    if (loc.layer === 'dev' || (loc.st && !loc.st.isDirectory())) throw fsError('ENOTDIR', 'scandir', path);
    const names = new Set<string>();
    if (loc.comps.length === 1 && loc.comps[0] === 'dev' && !loc.mount) for (const d of ['null', 'zero']) names.add(d);
    if (loc.layer === 'mount') {
      for (const n of await fsp.readdir(loc.host)) names.add(n);
    } else if (loc.layer === 'upper' || loc.layer === 'lower') {
      const upper = hpath.join(this.root, ...loc.comps);
      const upperNames = loc.layer === 'upper' ? await fsp.readdir(upper).catch(() => [] as string[]) : [];
      const opaque = upperNames.includes(OPAQUE);
      const whited = new Set(upperNames.filter((n) => n.startsWith(WH)).map((n) => n.slice(WH.length)));
      for (const n of upperNames) if (!n.startsWith(WH)) names.add(n);
      const lowerHost = loc.layer === 'lower' ? loc.host : loc.lowerHost;
      if (lowerHost && !opaque) {
        const ls = await fsp.lstat(lowerHost).catch(() => undefined);
        if (ls?.isDirectory()) for (const n of await fsp.readdir(lowerHost)) if (!whited.has(n)) names.add(n);
      }
    }
    for (const m of this.mounts) {
      if (m.comps.length > loc.comps.length && loc.comps.every((c, i) => m.comps[i] === c)) names.add(m.comps[loc.comps.length]!);
    }
    return [...names].sort();
  }

  async mkdir(path: string, opts?: { recursive?: boolean; mode?: number }): Promise<void> {
    if (opts?.recursive) {
      const comps = splitPath(normalizePath(path));
      for (let i = 1; i <= comps.length; i++) {
        const sub = '/' + comps.slice(0, i).join('/');
        const st = await this.stat(sub).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return undefined;
          throw e;
        });
        if (st && st.type !== 'dir') throw fsError('ENOTDIR', 'mkdir', path);
        if (!st) await this.mkdir(sub, { mode: opts.mode });
      }
      return;
    }
    const loc = await this.resolve(path, false, 'mkdir');
    if (loc.layer !== 'none') throw fsError('EEXIST', 'mkdir', path);
    this.checkWritable(loc, 'mkdir', path);
    if (loc.mount) {
      await fsp.mkdir(loc.host, { mode: opts?.mode ?? 0o755 });
      return;
    }
    const upper = await this.upperFor(loc, false);
    const hadWhiteout = this.image !== undefined && (await this.locateLowerRaw(loc.comps));
    await fsp.mkdir(upper, { mode: opts?.mode ?? 0o755 });
    if (hadWhiteout) await fsp.writeFile(hpath.join(upper, OPAQUE), '');
  }

  /** whether the image holds these components (ignoring whiteouts): a re-created dir must hide it */
  private async locateLowerRaw(comps: string[]): Promise<boolean> {
    if (!this.image) return false;
    return (await lstatOrUndef(hpath.join(this.image, ...comps))) !== undefined;
  }

  async rm(path: string, opts?: { recursive?: boolean; force?: boolean }): Promise<void> {
    let loc: Loc;
    try {
      loc = await this.resolve(path, false, 'rm');
    } catch (e) {
      if (opts?.force && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    if (loc.layer === 'none') {
      if (opts?.force) return;
      throw fsError('ENOENT', 'rm', path);
    }
    if (loc.layer === 'dev') throw fsError('EACCES', 'rm', path);
    const isDir = loc.layer === 'virtual' || loc.st!.isDirectory();
    if (isDir) {
      if (!opts?.recursive) throw fsError('EISDIR', 'rm', path);
      const vpath = '/' + loc.comps.join('/');
      let first: unknown;
      for (const name of await this.readdir(vpath)) {
        try {
          await this.rm(vpath === '/' ? '/' + name : vpath + '/' + name, opts);
        } catch (e) {
          first ??= e;
        }
      }
      if (first) throw first;
    }
    if (loc.comps.length === 0) throw fsError('EBUSY', 'rm', path);
    this.checkWritable(loc, 'rm', path);
    if (loc.layer === 'virtual') throw fsError('EBUSY', 'rm', path);
    if (loc.layer === 'mount') {
      await fsp.rm(loc.host, { recursive: isDir, force: true });
      return;
    }
    if (loc.layer === 'upper') await fsp.rm(loc.host, { recursive: true, force: true });
    if (loc.inLower) {
      await this.ensureUpperParents(loc.comps);
      const parent = hpath.join(this.root, ...loc.comps.slice(0, -1));
      await fsp.writeFile(hpath.join(parent, WH + loc.comps[loc.comps.length - 1]), '');
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const src = await this.resolve(from, false, 'rename');
    if (src.layer === 'none') throw fsError('ENOENT', 'rename', from);
    if (src.layer === 'virtual' || src.layer === 'dev' || src.comps.length === 0) throw fsError('EBUSY', 'rename', from);
    this.checkWritable(src, 'rename', from);
    const dst = await this.resolve(to, false, 'rename');
    this.checkWritable(dst, 'rename', to);
    if (dst.layer === 'virtual' || dst.layer === 'dev') throw fsError('EBUSY', 'rename', to);
    const srcPath = '/' + src.comps.join('/');
    const dstPath = '/' + dst.comps.join('/');
    if (srcPath === dstPath) return;
    if (dstPath.startsWith(srcPath + '/')) throw fsError('EINVAL', 'rename', from);
    const srcDir = src.st!.isDirectory();
    if (dst.layer !== 'none') {
      const dstDir = dst.st ? dst.st.isDirectory() : false;
      if (srcDir && !dstDir) throw fsError('ENOTDIR', 'rename', to);
      if (!srcDir && dstDir) throw fsError('EISDIR', 'rename', to);
      if (dstDir && (await this.readdir(dstPath)).length > 0) throw fsError('ENOTEMPTY', 'rename', to);
    }
    const sameMount = src.mount === dst.mount;
    if (sameMount && (src.layer === 'mount' || (src.layer === 'upper' && !src.inLower && !(srcDir && (await this.hasLowerBelow(src)))))) {
      if (dst.layer !== 'none') await this.rm(dstPath, { recursive: true });
      const dstLoc = await this.resolve(dstPath, false, 'rename');
      const host = src.layer === 'mount' ? dstLoc.host : await this.upperFor(dstLoc, false);
      await fsp.rename(src.host, host);
      if (srcDir && !dst.mount && (await this.locateLowerRaw(dst.comps))) await fsp.writeFile(hpath.join(host, OPAQUE), '');
      return;
    }
    // across layers or mounts: copy, then remove the source
    if (dst.layer !== 'none') await this.rm(dstPath, { recursive: true });
    await this.copyTree(srcPath, dstPath);
    await this.rm(srcPath, { recursive: true });
  }

  private async hasLowerBelow(loc: Loc): Promise<boolean> {
    return loc.lowerHost !== undefined;
  }

  private async copyTree(from: string, to: string): Promise<void> {
    const st = await this.lstat(from);
    if (st.type === 'symlink') await this.symlink(await this.readlink(from), to);
    else if (st.type === 'dir') {
      await this.mkdir(to, { mode: st.mode });
      for (const n of await this.readdir(from)) await this.copyTree(from + '/' + n, to + '/' + n);
    } else {
      const r = await this.createReadStream(from);
      const w = await this.createWriteStream(to, { mode: st.mode });
      await new Promise<void>((resolve, reject) => {
        r.on('error', reject);
        w.on('error', reject);
        w.on('finish', resolve);
        r.pipe(w);
      });
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    const loc = await this.resolve(path, false, 'symlink');
    if (loc.layer !== 'none') throw fsError('EEXIST', 'symlink', path);
    this.checkWritable(loc, 'symlink', path);
    const host = await this.upperFor(loc, false);
    await fsp.symlink(target, host);
  }

  async readlink(path: string): Promise<string> {
    const loc = await this.resolve(path, false, 'readlink');
    if (loc.layer === 'none') throw fsError('ENOENT', 'readlink', path);
    if (!loc.st?.isSymbolicLink()) throw fsError('EINVAL', 'readlink', path);
    return fsp.readlink(loc.host);
  }

  async chmod(path: string, mode: number): Promise<void> {
    const loc = await this.resolve(path, true, 'chmod');
    if (loc.layer === 'none') throw fsError('ENOENT', 'chmod', path);
    if (loc.layer === 'virtual' || loc.layer === 'dev') return;
    this.checkWritable(loc, 'chmod', path);
    const host = await this.upperFor(loc, true);
    await fsp.chmod(host, mode & 0o7777);
  }

  async utimes(path: string, atimeMs: number, mtimeMs: number): Promise<void> {
    const loc = await this.resolve(path, true, 'utime');
    if (loc.layer === 'none') throw fsError('ENOENT', 'utime', path);
    if (loc.layer === 'virtual' || loc.layer === 'dev') return;
    this.checkWritable(loc, 'utime', path);
    const host = await this.upperFor(loc, true);
    await fsp.utimes(host, atimeMs / 1000, mtimeMs / 1000);
  }
}

/** The directories a fresh container root gets (busybox-like). */
export const SKELETON_DIRS = ['bin', 'dev', 'etc', 'home', 'root', 'tmp', 'usr/bin', 'usr/local/bin', 'var', 'var/log'];

/** The container's filesystem view over its root dir, image layer and mounts; gives a fresh root its skeleton. */
export function createContainerFS(spec: ContainerFSSpec): ContainerFS {
  nfs.mkdirSync(spec.rootDir, { recursive: true });
  const imageHas = (d: string) => spec.imageDir !== undefined && nfs.existsSync(hpath.join(spec.imageDir, d));
  for (const d of SKELETON_DIRS) {
    const host = hpath.join(spec.rootDir, d);
    if (!imageHas(d) && !nfs.existsSync(host)) {
      try {
        nfs.mkdirSync(host, { recursive: true, mode: 0o755 });
        if (d === 'tmp') nfs.chmodSync(host, 0o1777);
      } catch {
        // a file of that name: leave it
      }
    }
  }
  return guard(new OverlayFS(spec));
}

const PUBLIC_METHODS = ['stat', 'lstat', 'readFile', 'createReadStream', 'writeFile', 'createWriteStream', 'readdir', 'mkdir', 'rm', 'rename', 'symlink', 'readlink', 'chmod', 'utimes'] as const;

/** errors name container paths only: a host error (with a host path in its message) is re-worded */
function guard(fs: OverlayFS): OverlayFS {
  for (const m of PUBLIC_METHODS) {
    const orig = (fs[m] as (...a: unknown[]) => Promise<unknown>).bind(fs);
    (fs as unknown as Record<string, unknown>)[m] = async (...args: unknown[]) => {
      const path = String(args[0] ?? '');
      if (args.some((a) => typeof a === 'string' && a.includes('\0'))) throw fsError('EINVAL', m, path.replace(/\0/g, ''));
      try {
        return await orig(...args);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err?.path !== undefined && (err.path === path || (typeof args[1] === 'string' && err.path === args[1]))) throw err;
        throw fsError(err?.code ?? 'EIO', m, path);
      }
    };
  }
  return fs;
}

/** Writes files (creating their parent directories) into a container's view: /etc/hostname, /etc/hosts, ... */
export async function writeContainerFiles(fs: ContainerFS, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    const dir = hpath.posix.dirname(normalizePath(path));
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path, data);
  }
}

/** the host path a container path resolves to (local exec mode only: its cwd); undefined for other filesystems */
export async function hostPathOf(fs: ContainerFS, path: string): Promise<string | undefined> {
  if (!(fs instanceof OverlayFS)) return undefined;
  // (the guarded instance is still an OverlayFS)
  return fs.hostPath(path);
}
