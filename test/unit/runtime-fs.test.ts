import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createContainerFS, writeContainerFiles } from '../../src/runtime/fs.js';
import type { ContainerFS } from '../../src/runtime/types.js';

let tmp: string;
let root: string;
let image: string;
let vol: string;
let ro: string;
let outside: string;
let cfs: ContainerFS;

beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cfs-'));
  root = path.join(tmp, 'root');
  image = path.join(tmp, 'image');
  vol = path.join(tmp, 'vol');
  ro = path.join(tmp, 'ro');
  outside = path.join(tmp, 'outside');
  for (const d of [root, image, vol, ro, outside]) await fsp.mkdir(d, { recursive: true });
  await fsp.mkdir(path.join(image, 'usr/share/doc'), { recursive: true });
  await fsp.writeFile(path.join(image, 'usr/share/doc/readme'), 'image file\n');
  await fsp.mkdir(path.join(image, 'etc'), { recursive: true });
  await fsp.writeFile(path.join(image, 'etc/os-release'), 'NAME=Emu\n');
  await fsp.writeFile(path.join(vol, 'index.html'), 'v0\n');
  await fsp.writeFile(path.join(ro, 'config'), 'ro\n');
  await fsp.writeFile(path.join(outside, 'secret'), 'SECRET\n');
  await fsp.writeFile(path.join(tmp, 'single.conf'), 'single\n');
  cfs = createContainerFS({
    rootDir: root,
    imageDir: image,
    mounts: [
      { mountPath: '/usr/share/nginx/html', hostPath: vol },
      { mountPath: '/config', hostPath: ro, readOnly: true },
      { mountPath: '/etc/app.conf', hostPath: path.join(tmp, 'single.conf') },
    ],
  });
});

afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('ContainerFS', () => {
  it('gives a fresh root a skeleton', async () => {
    expect(await cfs.readdir('/')).toEqual(expect.arrayContaining(['bin', 'etc', 'tmp', 'root', 'usr', 'config']));
    expect((await cfs.stat('/tmp')).type).toBe('dir');
  });

  it('reads through mounts, subPath files and the image layer', async () => {
    expect((await cfs.readFile('/usr/share/nginx/html/index.html')).toString()).toBe('v0\n');
    expect((await cfs.readFile('/etc/app.conf')).toString()).toBe('single\n');
    expect((await cfs.readFile('/usr/share/doc/readme')).toString()).toBe('image file\n');
    expect(await cfs.readdir('/usr/share')).toEqual(['doc', 'nginx']);
    expect((await cfs.stat('/usr/share/nginx')).type).toBe('dir');
    expect(await cfs.readdir('/etc')).toEqual(expect.arrayContaining(['app.conf', 'os-release']));
  });

  it('writes go to the root, never to the image; deletes leave whiteouts', async () => {
    await cfs.writeFile('/usr/share/doc/readme', 'changed\n');
    expect((await cfs.readFile('/usr/share/doc/readme')).toString()).toBe('changed\n');
    expect(await fsp.readFile(path.join(image, 'usr/share/doc/readme'), 'utf8')).toBe('image file\n');
    await cfs.rm('/etc/os-release');
    await expect(cfs.stat('/etc/os-release')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await cfs.readdir('/etc')).not.toContain('os-release');
    expect(await fsp.readFile(path.join(image, 'etc/os-release'), 'utf8')).toBe('NAME=Emu\n');
    await cfs.writeFile('/etc/os-release', 'again\n');
    expect((await cfs.readFile('/etc/os-release')).toString()).toBe('again\n');
    // a removed and re-created image directory is empty
    await cfs.rm('/usr/share/doc', { recursive: true });
    await cfs.mkdir('/usr/share/doc');
    expect(await cfs.readdir('/usr/share/doc')).toEqual([]);
  });

  it('appends copy the image file up', async () => {
    await cfs.writeFile('/etc/os-release', 'MORE=1\n', { append: true });
    expect((await cfs.readFile('/etc/os-release')).toString()).toBe('NAME=Emu\nMORE=1\n');
  });

  it('read-only mounts answer EROFS', async () => {
    await expect(cfs.writeFile('/config/config', 'x')).rejects.toMatchObject({ code: 'EROFS' });
    await expect(cfs.rm('/config/config')).rejects.toMatchObject({ code: 'EROFS' });
    await expect(cfs.mkdir('/config/d')).rejects.toMatchObject({ code: 'EROFS' });
    expect((await cfs.readFile('/config/config')).toString()).toBe('ro\n');
  });

  it('keeps `..` inside the container', async () => {
    expect(await cfs.readdir('/../../../..')).toEqual(await cfs.readdir('/'));
    await expect(cfs.readFile('/../../../../../outside/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(cfs.readFile('/usr/share/nginx/html/../../../../../../outside/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(cfs.readFile('../../outside/secret')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('resolves symlinks in the container view (chroot semantics)', async () => {
    await cfs.symlink('/', '/tmp/rootlink');
    expect(await cfs.readdir('/tmp/rootlink')).toEqual(await cfs.readdir('/'));
    await cfs.symlink(outside, '/tmp/abs');
    await expect(cfs.readFile('/tmp/abs/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await cfs.symlink('../../../../../../../outside/secret', '/tmp/rel');
    await expect(cfs.readFile('/tmp/rel')).rejects.toMatchObject({ code: 'ENOENT' });
    // a symlink to /etc points at the container's /etc
    await cfs.symlink('/etc', '/root/etc');
    expect((await cfs.readFile('/root/etc/os-release')).toString()).toBe('NAME=Emu\n');
    // writing through a symlink pointing outside lands inside
    await cfs.symlink(path.join(outside, 'new'), '/tmp/w');
    await expect(cfs.writeFile('/tmp/w', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fsp.stat(path.join(outside, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
    // a host symlink inside a volume pointing outside is resolved in the view
    await fsp.symlink(outside, path.join(vol, 'escape'));
    await expect(cfs.readFile('/usr/share/nginx/html/escape/secret')).rejects.toMatchObject({ code: 'ENOENT' });
    await fsp.symlink(path.join(outside, 'secret'), path.join(vol, 'file-escape'));
    await expect(cfs.readFile('/usr/share/nginx/html/file-escape')).rejects.toMatchObject({ code: 'ENOENT' });
    // relative links in a volume work (configMap ..data style)
    await fsp.mkdir(path.join(vol, '..data'));
    await fsp.writeFile(path.join(vol, '..data', 'key'), 'value');
    await fsp.symlink('..data/key', path.join(vol, 'key'));
    expect((await cfs.readFile('/usr/share/nginx/html/key')).toString()).toBe('value');
    expect(await cfs.readlink('/usr/share/nginx/html/key')).toBe('..data/key');
    expect((await cfs.lstat('/usr/share/nginx/html/key')).type).toBe('symlink');
  });

  it('symlink loops end with ELOOP', async () => {
    await cfs.symlink('/tmp/b', '/tmp/a');
    await cfs.symlink('/tmp/a', '/tmp/b');
    await expect(cfs.readFile('/tmp/a')).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('removing a symlink never removes its target', async () => {
    await cfs.symlink('/usr/share/nginx/html', '/tmp/html');
    await cfs.rm('/tmp/html', { recursive: true });
    expect((await cfs.readFile('/usr/share/nginx/html/index.html')).toString()).toBe('v0\n');
  });

  it('answers Node-style errors', async () => {
    await expect(cfs.readFile('/nope')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(cfs.readFile('/tmp')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(cfs.readFile('/etc/os-release/x')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(cfs.mkdir('/tmp')).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(cfs.mkdir('/a/b')).rejects.toMatchObject({ code: 'ENOENT' });
    await cfs.mkdir('/a/b/c', { recursive: true });
    await cfs.writeFile('/a/b/c/f', 'x');
    await expect(cfs.rm('/a')).rejects.toMatchObject({ code: 'EISDIR' });
    await cfs.rm('/a', { recursive: true });
    await cfs.rm('/a', { force: true });
    await expect(cfs.rm('/usr/share/nginx/html')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(cfs.rm('/usr/share/nginx/html', { recursive: true })).rejects.toMatchObject({ code: 'EBUSY' });
  });

  it('renames within and across layers', async () => {
    await cfs.writeFile('/tmp/f', 'hello');
    await cfs.rename('/tmp/f', '/root/g');
    expect((await cfs.readFile('/root/g')).toString()).toBe('hello');
    await cfs.rename('/root/g', '/usr/share/nginx/html/g');
    expect(await fsp.readFile(path.join(vol, 'g'), 'utf8')).toBe('hello');
    await cfs.rename('/etc/os-release', '/tmp/os');
    expect((await cfs.readFile('/tmp/os')).toString()).toBe('NAME=Emu\n');
    await expect(cfs.stat('/etc/os-release')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('streams, chmod, utimes, /dev/null', async () => {
    const w = await cfs.createWriteStream('/tmp/s');
    await new Promise<void>((r) => w.end('streamed', () => r()));
    const rs = await cfs.createReadStream('/tmp/s');
    let got = '';
    for await (const c of rs) got += c;
    expect(got).toBe('streamed');
    await cfs.chmod('/tmp/s', 0o755);
    expect((await cfs.stat('/tmp/s')).mode).toBe(0o755);
    await cfs.utimes('/tmp/s', 0, 1_000_000);
    expect((await cfs.stat('/tmp/s')).mtimeMs).toBe(1_000_000);
    await cfs.writeFile('/dev/null', 'gone');
    expect((await cfs.readFile('/dev/null')).length).toBe(0);
  });

  it('errors never show host paths', async () => {
    const errs: unknown[] = [];
    for (const f of [() => cfs.readFile('/a\0b'), () => cfs.readFile('/nope/x'), () => cfs.mkdir('/tmp'), () => cfs.rm('/usr/share/nginx/html', { recursive: true })]) {
      await f().catch((e: unknown) => errs.push(e));
    }
    expect(errs).toHaveLength(4);
    for (const e of errs) {
      expect((e as Error).message).not.toContain(tmp);
      expect((e as NodeJS.ErrnoException).code).toMatch(/^E[A-Z]+$/);
    }
  });

  it('writeContainerFiles creates parents', async () => {
    await writeContainerFiles(cfs, { '/etc/hostname': 'pod-0\n', '/var/run/x/y': 'z' });
    expect((await cfs.readFile('/etc/hostname')).toString()).toBe('pod-0\n');
    expect((await cfs.readFile('/var/run/x/y')).toString()).toBe('z');
    expect(await fsp.readFile(path.join(root, 'etc/hostname'), 'utf8')).toBe('pod-0\n');
  });
});
