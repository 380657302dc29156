// E2E durability of the BUILT server (dist/src/main.js, built by `npm test` before vitest): every
// acknowledged write survives `kill -9`, the revision counter continues above them, the database
// passes integrity_check, and SIGTERM shuts down cleanly (exit 0, watches closed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openWatch } from '../api/util.js';
import { ObjectStore } from '../../src/storage/store.js';
import { MAIN, startCLI } from '../helpers/cli.js';

const start = startCLI;

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('durability of the built server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kube-emu-durable-'));
  const procs: ChildProcess[] = [];
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged write survives kill -9; revisions continue; integrity_check ok; SIGTERM exits 0', async () => {
    const first = await start(dataDir);
    procs.push(first.proc);
    const { url } = first;
    expect((await call(url, 'POST', '/api/v1/namespaces', { metadata: { name: 'dur' } })).status).toBe(201);

    // name -> resourceVersion of its last acknowledged write
    const acked = new Map<string, string>();
    const N = 60;
    for (let batch = 0; batch < N / 20; batch++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, j) => {
          const name = `obj-${batch * 20 + j}`;
          return call(url, 'POST', '/api/v1/namespaces/dur/configmaps', cm(name, { v: '0' })).then((r) => ({ name, r }));
        }),
      );
      for (const { name, r } of results) {
        expect(r.status).toBe(201);
        acked.set(name, r.body.metadata.resourceVersion);
      }
    }
    // updates (PUT with the acknowledged resourceVersion as precondition) and a few deletes
    for (let round = 1; round <= 2; round++) {
      const results = await Promise.all(
        [...acked.keys()].filter((_, i) => i % 2 === round % 2 || round === 1).map((name) => {
          const body = cm(name, { v: String(round) }) as any;
          body.metadata.resourceVersion = acked.get(name);
          return call(url, 'PUT', `/api/v1/namespaces/dur/configmaps/${name}`, body).then((r) => ({ name, r }));
        }),
      );
      for (const { name, r } of results) {
        expect(r.status).toBe(200);
        acked.set(name, r.body.metadata.resourceVersion);
      }
    }
    const deleted = ['obj-0', 'obj-1', 'obj-2'];
    for (const name of deleted) {
      expect((await call(url, 'DELETE', `/api/v1/namespaces/dur/configmaps/${name}`)).status).toBe(200);
      acked.delete(name);
    }

    // a burst still in flight when the process dies: acknowledged ones must be there
    // (the process is killed as soon as the first of them is acknowledged)
    const burst = new Map<string, string>();
    let firstAck!: () => void;
    const firstAcked = new Promise<void>((r) => (firstAck = r));
    const inflight = Array.from({ length: 40 }, (_, i) =>
      call(url, 'POST', '/api/v1/namespaces/dur/configmaps', cm(`burst-${i}`, { b: String(i) }))
        .then((r) => {
          if (r.status === 201) burst.set(`burst-${i}`, r.body.metadata.resourceVersion);
          firstAck();
        })
        .catch(() => {}),
    );
    await firstAcked;
    first.proc.kill('SIGKILL');
    const died = await first.exited;
    expect(died.signal).toBe('SIGKILL');
    await Promise.all(inflight);
    if (process.env.DURABILITY_DEBUG) process.stderr.write(`burst acknowledged before kill -9: ${burst.size}/40\n`);
    expect(burst.size).toBeGreaterThan(0);
    const maxAcked = Math.max(...[...acked.values(), ...burst.values()].map(Number));

    const second = await start(dataDir);
    procs.push(second.proc);
    const list = await call(second.url, 'GET', '/api/v1/namespaces/dur/configmaps');
    expect(list.status).toBe(200);
    const got = new Map<string, any>(list.body.items.map((o: any) => [o.metadata.name, o]));
    for (const [name, rv] of acked) {
      expect(got.get(name)?.metadata.resourceVersion, name).toBe(rv);
      expect(got.get(name)?.data.v).toMatch(/^[12]$/);
    }
    for (const name of deleted) expect(got.has(name), name).toBe(false);
    for (const [name, rv] of burst) expect(got.get(name)?.metadata.resourceVersion, name).toBe(rv);
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxAcked);

    // the revision counter continues above everything acknowledged
    const after = await call(second.url, 'POST', '/api/v1/namespaces/dur/configmaps', cm('after-restart', {}));
    expect(after.status).toBe(201);
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(Number(list.body.metadata.resourceVersion));

    // SIGTERM: open watches are ended, the process exits 0
    const w = await openWatch(second.url, `/api/v1/namespaces/dur/configmaps?watch=true&resourceVersion=${after.body.metadata.resourceVersion}`);
    expect(w.status).toBe(200);
    second.proc.kill('SIGTERM');
    const [exit] = await Promise.all([second.exited, w.ended]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(second.logs.some((l) => /shutting down/.test(l.msg ?? ''))).toBe(true);

    const db = new Database(join(dataDir, 'kube-emulator.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rev = db.prepare("SELECT v FROM meta WHERE k = 'revision'").get() as { v: number };
      expect(rev.v).toBe(Number(after.body.metadata.resourceVersion));
    } finally {
      db.close();
    }
  });

  it('a database from a newer kube-emulator is refused with a clear message and exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-emu-newer-'));
    try {
      const store = new ObjectStore({ dataDir: dir, attrs: () => ({ labels: {}, fields: {} }), compactIntervalMs: 0 });
      store.db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (999, ?, ?)').run('999_future.sql', new Date().toISOString());
      store.close();
      const proc = spawn(process.execPath, [MAIN, '--insecure', '--port', '0', '--dns-port', '0', '--data-dir', dir, '--kubeconfig', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr!.on('data', (c) => (stderr += c));
      const code = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^kube-emulator: the database schema is at version 999, newer than this kube-emulator knows \(\d+\): use a newer kube-emulator or another --data-dir\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
