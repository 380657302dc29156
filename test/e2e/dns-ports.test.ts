// E2E of the BUILT CLI (bin/kube-emulator.mjs and its bundle; `npm test` builds it): two servers on one machine do not
// clash on the cluster DNS port. `--port 0` takes a free DNS port too; a taken default port
// (10053) is replaced by a free one with a warning; an explicit --dns-port that is taken fails.
// The DNS address is in the "serving" log line and in the written kubeconfig.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createTCPServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'dns-packet';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './fixtures/net/util.js';
import { availableKubectls } from '../helpers/kubectl.js';

const MAIN = fileURLToPath(new URL('../../bin/kube-emulator.mjs', import.meta.url));

interface Running {
  proc: ChildProcess;
  logs: any[];
  serving: any;
  kubeconfig: string;
}

const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

function start(args: string[]): Promise<Running> {
  if (!existsSync(MAIN.replace(/bin[\\/]kube-emulator\.mjs$/, 'dist/bundle/kube-emulator.js'))) throw new Error(`the bundle beside ${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'dns-ports-')), 'kubeconfig');
  const proc = spawn(process.execPath, [MAIN, '--in-memory', '--insecure', '--kubeconfig', kubeconfig, '--pod-stages', 'fast', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(proc);
  const logs: any[] = [];
  let stderr = '';
  proc.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no "serving" line within 15 s; stderr: ${stderr}`)), 15_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          logs.push(JSON.parse(line));
        } catch {
          continue;
        }
        const rec = logs[logs.length - 1];
        // the kubeconfig line follows the serving line
        if (/^kubeconfig written/.test(rec.msg ?? '')) {
          clearTimeout(timer);
          resolve({ proc, logs, serving: logs.find((l) => l.msg === 'kube-emulator is serving'), kubeconfig });
        }
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stderr: ${stderr}`));
    });
  });
}

function exitOf(proc: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  proc.stderr!.on('data', (c) => (stderr += c));
  return new Promise((r) => proc.on('exit', (code) => r({ code, stderr })));
}

/** The A records for a name, asked over UDP. */
async function queryA(port: number, name: string): Promise<string[]> {
  const sock = createSocket('udp4');
  try {
    const answer = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no DNS answer from 127.0.0.1:${port}`)), 3000);
      sock.once('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
    sock.send(encode({ type: 'query', id: 7, flags: 0, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
    const res = decode(await answer);
    return (res.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data));
  } finally {
    sock.close();
  }
}

/** The kubernetes Service's ClusterIP appears in DNS once the informers have it. */
async function untilAnswers(port: number): Promise<string[]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const a = await queryA(port, 'kubernetes.default.svc.cluster.local');
    if (a.length || Date.now() > end) return a;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dnsPortOf = (r: Running) => Number(String(r.serving.dns).split(':').pop());

/** Holds 127.0.0.1:port for UDP and TCP (either may already be held by another process: still taken). */
async function occupy(port: number): Promise<{ release(): void }> {
  const udp: Socket = createSocket('udp4');
  await new Promise<void>((r) => {
    udp.once('error', () => r());
    udp.bind(port, '127.0.0.1', () => r());
  });
  const tcp: Server = createTCPServer();
  await new Promise<void>((r) => {
    tcp.once('error', () => r());
    tcp.listen(port, '127.0.0.1', () => r());
  });
  return {
    release() {
      try {
        udp.close();
      } catch {
        // not bound
      }
      tcp.close();
    },
  };
}

describe('cluster DNS ports of CLI servers', () => {
  it('two servers with --port 0 started at once both serve, each with its own DNS port that answers', async () => {
    const [a, b] = await Promise.all([start(['--port', '0']), start(['--port', '0'])]);
    const [pa, pb] = [dnsPortOf(a), dnsPortOf(b)];
    expect(pa).toBeGreaterThan(0);
    expect(pb).toBeGreaterThan(0);
    expect(pa).not.toBe(pb);
    expect(a.serving.dns).toBe(`127.0.0.1:${pa}`);
    expect(await untilAnswers(pa)).toEqual(['10.96.0.1']);
    expect(await untilAnswers(pb)).toEqual(['10.96.0.1']);
    // no warning: a free port is what --port 0 asks for
    expect(a.logs.some((l) => l.level === 40)).toBe(false);

    // the kubeconfig says where DNS is, as a comment and as a cluster extension
    const text = readFileSync(a.kubeconfig, 'utf8');
    expect(text.split('\n')[0]).toBe(`# cluster DNS (udp+tcp): 127.0.0.1:${pa}`);
    const cfg = YAML.parse(text);
    expect(cfg.clusters[0].cluster.extensions).toEqual([{ name: 'kube-emulator.io/cluster-dns', extension: { address: `127.0.0.1:${pa}` } }]);
  });

  it.each(availableKubectls([33, 27]))('kubectl 1.$minor reads the kubeconfig with the DNS extension', async ({ bin }) => {
    const s = await start(['--port', '0', '--controllers', '']);
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(bin, ['--kubeconfig', s.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout!.on('data', (c) => (out += c));
        p.stderr!.on('data', (c) => (err += c));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${code} ${err}`))));
      });
    expect(await run(['get', 'ns', 'default', '-o', 'name'])).toBe('namespace/default\n');
    expect(await run(['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.extensions[0].extension.address}'])).toBe(s.serving.dns);
    s.proc.kill('SIGTERM');
  });

  it('with 10053 taken and no --dns-port, the server takes a free DNS port and warns', async () => {
    const held = await occupy(10053);
    try {
      const s = await start(['--port', String(await freePort())]);
      const port = dnsPortOf(s);
      expect(port).not.toBe(10053);
      const warn = s.logs.find((l) => l.level === 40 && /10053/.test(l.msg));
      expect(warn?.msg).toBe(`cluster DNS port 10053 is in use: serving cluster DNS on port ${port} instead (--dns-port chooses one)`);
      expect(await untilAnswers(port)).toEqual(['10.96.0.1']);
      s.proc.kill('SIGTERM');
    } finally {
      held.release();
    }
  });

  it('an explicit --dns-port that is taken fails with a clear message', async () => {
    const port = await freePort();
    const held = await occupy(port);
    try {
      const proc = spawn(process.execPath, [MAIN, '--in-memory', '--insecure', '--kubeconfig', '', '--port', '0', '--dns-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      running.push(proc);
      const { code, stderr } = await exitOf(proc);
      expect(code).toBe(1);
      expect(stderr).toBe(`kube-emulator: --dns-port ${port}: 127.0.0.1:${port} is already in use (udp); choose another port, or --dns-port 0 to run without cluster DNS\n`);
    } finally {
      held.release();
    }
  });
});
