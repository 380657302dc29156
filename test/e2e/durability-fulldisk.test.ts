// E2E: a full disk. The BUILT server on a small tmpfs takes writes until a commit fails with
// ENOSPC; the writes in flight get a 500 Status (not a connection reset), the process exits
// non-zero (as etcd does when it cannot write its log), and once space is freed a restart serves
// every acknowledged write. Needs root (mount -t tmpfs); skipped loudly without it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync, unlinkSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCLI, type Running } from '../helpers/cli.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'kube-emu-fulldisk-'));
let mounted = false;
let why = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  why = String((err as { stderr?: Buffer }).stderr ?? err).trim();
  process.stderr.write(`\nSKIPPED durability-fulldisk: cannot mount a tmpfs (${why}); run as root to test a full disk\n\n`);
}

const free = () => {
  const s = statfsSync(mountPoint);
  return s.bavail * s.bsize;
};

const cm = (name: string, blob: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { blob } });

interface Outcome {
  name: string;
  status?: number;
  body?: any;
  error?: string;
}

async function post(url: string, name: string, blob: string): Promise<Outcome> {
  try {
    const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cm(name, blob)) });
    const text = await res.text();
    return { name, status: res.status, body: JSON.parse(text) };
  } catch (err) {
    return { name, error: String((err as { cause?: unknown }).cause ?? err) };
  }
}

describe.skipIf(!mounted)('a full disk (tmpfs of 8 MB)', () => {
  const dataDir = join(mountPoint, 'data');
  const filler = join(mountPoint, 'filler');
  const running: Running[] = [];
  afterAll(() => {
    for (const r of running) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    if (mounted) {
      try {
        execFileSync('umount', [mountPoint], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
      }
    }
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('writes in flight get a 500 Status, the process exits non-zero, and a restart after freeing space has every acknowledged write', async () => {
    const first = await startCLI(dataDir, ['--controllers', '']);
    running.push(first);
    // leave a little room: the filler takes the rest of the disk
    const room = 1_500_000;
    writeFileSync(filler, Buffer.alloc(Math.max(0, free() - room)));
    expect(free()).toBeLessThanOrEqual(room + 64 * 1024);

    const blob = 'y'.repeat(20 * 1024);
    const acked = new Map<string, string>();
    const outcomes: Outcome[] = [];
    let failed = false;
    for (let wave = 0; wave < 200 && !failed; wave++) {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(first.url, `w${wave}-${i}`, blob)));
      for (const r of results) {
        outcomes.push(r);
        if (r.status === 201) acked.set(r.name, r.body.metadata.resourceVersion);
        else failed = true;
      }
    }
    expect(failed).toBe(true);
    expect(acked.size).toBeGreaterThan(0);
    // every request of the failing wave that reached the server got an answer: 201 (committed
    // before) or the 500 Status, never a reset; one that had not connected before the listener
    // closed is refused (it was never in flight)
    const bad = outcomes.filter((o) => o.status !== 201 && !/ECONNREFUSED/.test(o.error ?? ''));
    for (const o of bad) {
      expect(o.error, `${o.name}: ${o.error}`).toBeUndefined();
      expect(o.status).toBe(500);
      expect(o.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', code: 500 });
      expect(o.body.message).toMatch(/^Internal error occurred: /);
    }
    expect(bad.some((o) => /disk is full/.test(o.body.message))).toBe(true);
    const exit = await first.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(first.logs.some((l) => l.level === 60 && /could not commit/.test(l.msg ?? ''))).toBe(true);

    // the disk is freed: a restart serves every acknowledged write
    const walBytes = readdirSync(dataDir)
      .filter((f) => f.endsWith('-wal'))
      .reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
    unlinkSync(filler);
    const second = await startCLI(dataDir, ['--controllers', '']);
    running.push(second);
    const list = await (await fetch(`${second.url}/api/v1/namespaces/default/configmaps`)).json();
    const got = new Map<string, string>(list.items.map((o: any) => [o.metadata.name, o.metadata.resourceVersion]));
    for (const [name, rv] of acked) expect(got.get(name), name).toBe(rv);
    // and takes writes again
    const again = await post(second.url, 'after-restart', 'z');
    expect(again.status).toBe(201);
    if (process.env.DURABILITY_DEBUG) process.stderr.write(`acknowledged ${acked.size}, refused ${bad.length}, WAL at the failure ${walBytes} bytes\n`);
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
