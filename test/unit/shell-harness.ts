// Test helpers for the built-in shell: a container in a temp dir, a fake pod network, run() collecting output.
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { createContainerFS } from '../../src/runtime/fs.js';
import { runCommand } from '../../src/runtime/shell/index.js';
import type { ContainerFS, PodNetwork, ProcessContext, RunCommand } from '../../src/runtime/types.js';

export interface Container {
  dir: string;
  root: string;
  vol: string;
  fs: ContainerFS;
  ctx: ProcessContext;
  cleanup(): Promise<void>;
}

export class FakeNetwork implements PodNetwork {
  readonly nameserver = '10.96.0.10';
  names = new Map<string, string[]>();
  /** ip:port → local port on 127.0.0.1 */
  ports = new Map<string, number>();
  async lookup(name: string) {
    for (const cand of [name, `${name}.default.svc.cluster.local`, `${name}.svc.cluster.local`]) {
      const a = this.names.get(cand);
      if (a) return { name: cand, addresses: a };
    }
    return undefined;
  }
  connect(ip: string, port: number): Promise<Duplex> {
    const local = this.ports.get(`${ip}:${port}`);
    if (local === undefined) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    return new Promise((resolve, reject) => {
      const s = net.connect(local, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  }
}

export async function makeContainer(opts: { image?: boolean } = {}): Promise<Container> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'shell-'));
  const root = path.join(dir, 'root');
  const vol = path.join(dir, 'vol');
  await fsp.mkdir(vol);
  let imageDir: string | undefined;
  if (opts.image) {
    imageDir = path.join(dir, 'image');
    await fsp.mkdir(path.join(imageDir, 'etc'), { recursive: true });
    await fsp.writeFile(path.join(imageDir, 'etc/os-release'), 'NAME=Emu\n');
  }
  const fs = createContainerFS({ rootDir: root, imageDir, mounts: [{ mountPath: '/data', hostPath: vol }] });
  const ctx: ProcessContext = {
    fs,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', HOSTNAME: 'pod-0' },
    hostname: 'pod-0',
    cwd: '/',
    network: new FakeNetwork(),
  };
  return { dir, root, vol, fs, ctx, cleanup: () => fsp.rm(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
  startError?: string;
}

export async function run(
  c: Container,
  argv: string[],
  opts: { stdin?: string | Buffer | PassThrough; tty?: boolean; signal?: AbortSignal; cwd?: string; runner?: RunCommand; raw?: (b: Buffer) => void } = {},
): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const errs: Buffer[] = [];
  stdout.on('data', (b: Buffer) => {
    out.push(b);
    opts.raw?.(b);
  });
  stderr.on('data', (b: Buffer) => errs.push(b));
  let stdin: PassThrough | undefined;
  if (opts.stdin instanceof PassThrough) stdin = opts.stdin;
  else if (opts.stdin !== undefined) {
    stdin = new PassThrough();
    stdin.end(opts.stdin);
  }
  const r = await (opts.runner ?? runCommand)(argv, { ...c.ctx, cwd: opts.cwd ?? c.ctx.cwd }, {
    stdin,
    stdout,
    stderr: opts.tty ? undefined : stderr,
    tty: opts.tty ?? false,
    signal: opts.signal ?? new AbortController().signal,
  });
  await new Promise((res) => setImmediate(res));
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString(), code: r.exitCode, startError: r.startError };
}

export const sh = (c: Container, script: string, opts: Parameters<typeof run>[2] = {}) => run(c, ['sh', '-c', script], opts);

/** an HTTP server on 127.0.0.1 (port 0) */
export async function httpServer(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}
