import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tarStream from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeContainer, run, sh, type Container } from './shell-harness.js';

let c: Container;
beforeEach(async () => {
  c = await makeContainer();
});
afterEach(async () => {
  await c.cleanup();
});

async function makeTar(entries: { name: string; data?: string; type?: 'file' | 'directory' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (b: unknown) => void chunks.push(b as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644 }, e.data ?? '', (err) => (err ? rej(err) : res())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function listTar(buf: Buffer): Promise<{ name: string; data: string; type: string }[]> {
  const ex = tarStream.extract();
  const out: { name: string; data: string; type: string }[] = [];
  const pt = new PassThrough();
  pt.end(buf);
  pt.pipe(ex as never);
  for await (const entry of ex) {
    let data = '';
    for await (const ch of entry) data += (ch as Buffer).toString();
    out.push({ name: entry.header.name, data, type: entry.header.type ?? 'file' });
  }
  return out;
}

async function runBin(argv: string[], stdin?: Buffer) {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (b: Buffer) => chunks.push(b));
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (b: Buffer) => (errText += b.toString()));
  let input: PassThrough | undefined;
  if (stdin) {
    input = new PassThrough();
    input.end(stdin);
  }
  const { runCommand } = await import('../../src/runtime/shell/index.js');
  const r = await runCommand(argv, c.ctx, { stdin: input, stdout, stderr, tty: false, signal: new AbortController().signal });
  return { out: Buffer.concat(chunks), err: errText, code: r.exitCode };
}

describe('tar for kubectl cp', () => {
  it('extracts what kubectl cp sends (old and new argv)', async () => {
    const tar = await makeTar([{ name: 'dir/', type: 'directory' }, { name: 'dir/a.txt', data: 'A' }, { name: 'b.txt', data: 'B' }]);
    await sh(c, 'mkdir -p /dest');
    let r = await runBin(['tar', '-xmf', '-', '-C', '/dest'], tar);
    expect(r.code).toBe(0);
    expect((await sh(c, 'cat /dest/dir/a.txt /dest/b.txt')).stdout).toBe('AB');
    r = await runBin(['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-', '-C', '/data'], tar);
    expect(r.code).toBe(0);
    expect(await fsp.readFile(path.join(c.vol, 'dir/a.txt'), 'utf8')).toBe('A');
  });

  it('creates what kubectl cp reads (tar cf - PATH)', async () => {
    await sh(c, 'mkdir -p /src/sub && echo one > /src/sub/f && echo two > /src/g');
    const r = await runBin(['tar', 'cf', '-', '/src']);
    expect(r.code).toBe(0);
    expect(r.err).toBe("tar: removing leading '/' from member names\n");
    const entries = await listTar(r.out);
    expect(entries.map((e) => e.name).sort()).toEqual(['src/', 'src/g', 'src/sub/', 'src/sub/f']);
    expect(entries.find((e) => e.name === 'src/sub/f')!.data).toBe('one\n');
    // the resume form: sh -c "tar cf - PATH | tail -c+N"
    const full = r.out;
    const resumed = await runBin(['sh', '-c', 'tar cf - /src/g | tail -c+513']);
    expect(resumed.out.length).toBeGreaterThan(0);
    void full;
  });

  it('round trips with z, lists with t', async () => {
    await sh(c, 'mkdir -p /z && echo zz > /z/f');
    expect((await sh(c, 'cd / && tar czf /tmp/z.tgz z && mkdir /o && tar xzf /tmp/z.tgz -C /o && cat /o/z/f')).stdout).toBe('zz\n');
    expect((await sh(c, 'tar tf /tmp/z.tgz')).stdout).toBe('z/\nz/f\n');
    const gz = gzipSync(await makeTar([{ name: 'g.txt', data: 'G' }]));
    await runBin(['tar', 'xzf', '-', '-C', '/tmp'], gz);
    expect((await sh(c, 'cat /tmp/g.txt')).stdout).toBe('G');
  });

  it('hostile entries stay inside the target', async () => {
    const tar = await makeTar([
      { name: '../../../../escape.txt', data: 'E1' },
      { name: '/abs/escape2.txt', data: 'E2' },
      { name: 'link', type: 'symlink', linkname: '/' },
      { name: 'link/etc/evil', data: 'E3' },
      { name: 'hostlink', type: 'symlink', linkname: c.dir },
      { name: 'hostlink/evil2', data: 'E4' },
    ]);
    await sh(c, 'mkdir -p /t');
    const r = await runBin(['tar', 'xf', '-', '-C', '/t'], tar);
    void r;
    for (const f of ['escape.txt', 'abs/escape2.txt', 'evil2', 'etc/evil']) {
      await expect(fsp.stat(path.join(c.dir, f))).rejects.toThrow();
      await expect(fsp.stat(path.join(path.dirname(c.dir), f))).rejects.toThrow();
    }
    expect((await sh(c, 'cat /t/escape.txt /t/abs/escape2.txt')).stdout).toBe('E1E2');
    // through the in-container symlink `link -> /` the file lands in the container's /etc, never the host's
    expect((await sh(c, 'cat /etc/evil')).stdout).toBe('E3');
  });

  it('bad archives and options', async () => {
    const r = await runBin(['tar', 'xf', '-', '-C', '/tmp'], Buffer.from('not a tar at all'.repeat(64)));
    expect(r.code).toBe(1);
    expect((await run(c, ['tar', 'xf', '-', '-C', '/nodir'])).stderr).toBe("tar: can't change directory to '/nodir': No such file or directory\n");
  });
});
