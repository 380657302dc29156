// npm run bench: the benchmark suite. This process is the load generator; the server and the bare
// ceiling run as separate processes. Writes BENCHMARKS.md (median and spread over RUNS runs).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, load, median, podManifest, request, rssMB, spawnCeiling, spawnServer, spread, type Spawned } from './lib.js';
import { watchFanout } from './watch.js';
import { compactionStall } from './compaction.js';
import { controllerScenarios, kubectlScenarios } from './cluster.js';
import { daemonSetScenarios } from './daemonset.js';
import { crdScenarios } from './crd.js';
import { deploymentScenarios } from './deployment.js';
import { quotaScenarios } from './quota.js';
import { replicaSetScenarios } from './replicaset.js';
import { jobScenarios } from './job.js';
import { cronJobScenarios } from './cronjob.js';
import { securityScenarios } from './security.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUICK = process.env.BENCH_QUICK === '1';
const N_PODS = QUICK ? 2_000 : 10_000;
const N_CREATES = QUICK ? 4_000 : 20_000;
const CONNS = 32;

type Row = [string, string, string, string, string];
const rows: Row[] = [];
const notes: string[] = [];
function row(what: string, value: string, ceiling = '', ratio = '', target = '') {
  rows.push([what, value, ceiling, ratio, target]);
  process.stderr.write(`  ${what}: ${value}${ceiling ? `  (ceiling ${ceiling}, ratio ${ratio})` : ''}\n`);
}

async function seedPods(s: Spawned, n: number, ns = 'bench'): Promise<void> {
  await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  await load(n, CONNS, (i) => request(s.url, 'POST', `/api/v1/namespaces/${ns}/pods`, podManifest(ns, `p-${i}`, { shard: String(i % 100) })));
}

/** Opens `n` pod watches from the current revision and resolves once each has its response headers. */
async function openIdleWatches(base: string, n: number): Promise<http.ClientRequest[]> {
  const list = JSON.parse((await request(base, 'GET', '/api/v1/namespaces/bench/pods?limit=1')).body);
  const u = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const reqs: http.ClientRequest[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) => new Promise<void>((resolve, reject) => {
      const path = `/api/v1/namespaces/bench/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}${i % 2 ? '&labelSelector=shard%3D1' : ''}`;
      const req = http.get({ host: u.hostname, port: u.port, path, agent }, (res) => {
        res.resume();
        resolve();
      });
      req.on('error', reject);
      reqs.push(req);
    })),
  );
  return reqs;
}

async function startup(): Promise<void> {
  process.stderr.write('start-up\n');
  const empty: number[] = [];
  const emptyCpu: number[] = [];
  const rssIdle: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
    empty.push(s.startupMs);
    emptyCpu.push(s.startupCpuMs);
    await new Promise((res) => setTimeout(res, 300));
    rssIdle.push(rssMB(s.proc.pid!));
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // idle, settled: the default configuration (controllers, DNS), 10 s after ready; V8's memory
  // reducer gives back the young generation the start-up grew about 8 s after it
  // ... whose start-up is what a user meets (`npm start`: every controller, the nodes, cluster DNS)
  const rssSettled: number[] = [];
  const dflt: number[] = [];
  const dfltCpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const s = await spawnServer(['--data-dir', dir], {}, [], true);
    dflt.push(s.startupMs);
    dfltCpu.push(s.startupCpuMs);
    await new Promise((res) => setTimeout(res, 10_000));
    rssSettled.push(rssMB(s.proc.pid!));
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // HTTPS (the CLI's default security): the first start makes the cluster CA and certificates, a
  // later one loads them from <data-dir>/pki
  const tlsFirst: number[] = [];
  const tlsAgain: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const a = await spawnServer(['--data-dir', dir, '--controllers', ''], {}, [], true);
    tlsFirst.push(a.startupMs);
    await a.stop();
    const b = await spawnServer(['--data-dir', dir, '--controllers', ''], {}, [], true);
    tlsAgain.push(b.startupMs);
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  row('start-up to /readyz, default configuration (controllers and DNS on), empty data dir (ms)', spread(dflt), '', '', '< 300');
  row("start-up to /readyz over HTTPS (default security), no controllers, first start: CA and certificates made (ms)", spread(tlsFirst));
  row("start-up to /readyz over HTTPS (default security), no controllers, existing data dir and pki (ms)", spread(tlsAgain), '', '', '< 300');
  row('start-up CPU time (user+sys) until ready, default configuration, empty data dir (ms)', spread(dfltCpu));
  row("start-up to /readyz, no controllers (`--controllers ''`), empty data dir (ms)", spread(empty));
  row("start-up CPU time (user+sys) until ready, no controllers, empty data dir (ms)", spread(emptyCpu));
  row('RSS just after start-up (300 ms after ready, no controllers) (MB)', spread(rssIdle));
  row('RSS idle, default configuration (controllers and DNS on), 10 s after ready (MB)', spread(rssSettled), '', '', '< 80');
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const s0 = await spawnServer(['--data-dir', dir, '--controllers', '']);
  await seedPods(s0, N_PODS);
  // idle watchers on top of the stored pods: the memory the fan-out structures take
  const W = QUICK ? 200 : 1000;
  const watches = await openIdleWatches(s0.url, W);
  await new Promise((res) => setTimeout(res, 500));
  const rssWatched = rssMB(s0.proc.pid!);
  for (const w of watches) w.destroy();
  await s0.stop();
  const full: number[] = [];
  const fullCpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
    full.push(s.startupMs);
    fullCpu.push(s.startupCpuMs);
    await s.stop();
  }
  row(`start-up to /readyz with ${N_PODS} stored pods (ms)`, spread(full), '', '', QUICK ? '' : '< 1500');
  row(`start-up CPU time until ready with ${N_PODS} stored pods (ms)`, spread(fullCpu));
  row(`RSS with ${N_PODS} pods and ${W} idle watchers (MB)`, rssWatched.toFixed(0), '', '', QUICK ? '' : '< 300');
  rmSync(dir, { recursive: true, force: true });
}

async function throughput(): Promise<void> {
  process.stderr.write('create / read / update throughput\n');
  const creates: number[] = [];
  const ceil: number[] = [];
  const gets: number[] = [];
  const getCeil: number[] = [];
  const lists: Record<string, number[]> = { json: [], table: [], sel: [], pages: [] };
  const puts: number[] = [];
  const smps: number[] = [];
  const ssas: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c = await spawnCeiling();
    const cr = await load(N_CREATES, CONNS, (i) => request(c.url, 'POST', '/api/v1/namespaces/bench/pods', podManifest('bench', `p-${i}`)));
    ceil.push(cr.rps);
    const cg = await load(N_CREATES, CONNS, () => request(c.url, 'GET', '/api/v1/namespaces/bench/pods/p-1'));
    getCeil.push(cg.rps);
    await c.stop();

    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
    for (const ns of ['bench', 'bench2'])
      await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    // N_PODS in `bench` (the LIST target), the rest in `bench2`
    const sr = await load(N_CREATES, CONNS, (i) => {
      const ns = i < N_PODS ? 'bench' : 'bench2';
      return request(s.url, 'POST', `/api/v1/namespaces/${ns}/pods`, podManifest(ns, `p-${i}`, { shard: String(i % 100) }));
    });
    creates.push(sr.rps);
    if (sr.errors) notes.push(`create run ${r}: ${sr.errors} errors`);
    const g = await load(N_CREATES, CONNS, (i) => request(s.url, 'GET', `/api/v1/namespaces/bench/pods/p-${i % 1000}`));
    gets.push(g.rps);
    const time = async (path: string, headers: Record<string, string> = {}) => {
      const t0 = performance.now();
      const resp = await request(s.url, 'GET', path, undefined, headers);
      if (resp.status !== 200) throw new Error(`${path}: ${resp.status}`);
      return performance.now() - t0;
    };
    const nsList = `/api/v1/namespaces/bench/pods`;
    lists.json.push(await time(nsList));
    lists.table.push(await time(nsList, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' }));
    lists.sel.push(await time(`${nsList}?labelSelector=shard%3D7`));
    const t0 = performance.now();
    let cont = '';
    do {
      const resp = await request(s.url, 'GET', `${nsList}?limit=500${cont ? `&continue=${cont}` : ''}`);
      cont = JSON.parse(resp.body).metadata.continue ?? '';
    } while (cont);
    lists.pages.push(performance.now() - t0);
    const n = QUICK ? 1000 : 5000;
    const pu = await load(n, CONNS, async (i) => {
      const got = JSON.parse((await request(s.url, 'GET', `/api/v1/namespaces/bench/pods/p-${i}`)).body);
      got.metadata.labels.round = String(r);
      return request(s.url, 'PUT', `/api/v1/namespaces/bench/pods/p-${i}`, JSON.stringify(got));
    });
    puts.push(pu.rps);
    const sm = await load(n, CONNS, (i) =>
      request(s.url, 'PATCH', `/api/v1/namespaces/bench/pods/p-${i}`, JSON.stringify({ metadata: { labels: { smp: String(i) } } }), { 'content-type': 'application/strategic-merge-patch+json' }),
    );
    smps.push(sm.rps);
    const ss = await load(n, CONNS, (i) =>
      request(
        s.url,
        'PATCH',
        `/api/v1/namespaces/bench/pods/p-${i}?fieldManager=bench`,
        JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, annotations: { ssa: String(i) } } }),
        { 'content-type': 'application/apply-patch+yaml' },
      ),
    );
    ssas.push(ss.rps);
    rss.push(rssMB(s.proc.pid!));
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // the ratio of each run (ours and its ceiling measured minutes apart), median and spread over
  // the runs: a machine whose speed drifts between runs moves both sides of a run together
  const ratio = (a: number[], b: number[]) => {
    const rs = a.map((x, i) => x / b[i]);
    return rs.length > 1 ? spread(rs, 2) : rs[0].toFixed(2);
  };
  row(`pod creates/s (${N_CREATES}, ${CONNS} conns)`, spread(creates), spread(ceil), ratio(creates, ceil), 'ratio >= 0.5');
  row('GET pod/s', spread(gets), spread(getCeil), ratio(gets, getCeil), 'ratio >= 0.5');
  row(`LIST ${N_PODS} pods, JSON (ms)`, spread(lists.json, 1), '', '', QUICK ? '' : '< 150');
  row(`LIST ${N_PODS} pods, Table (ms)`, spread(lists.table, 1));
  row('LIST with a label selector matching 1% (ms)', spread(lists.sel, 1));
  row(`paginated LIST (limit 500) of ${N_PODS} pods, all pages (ms)`, spread(lists.pages, 1));
  row('PUT with resourceVersion (GET+PUT pairs)/s', spread(puts), spread(ceil), ratio(puts, ceil));
  row('strategic merge patch/s', spread(smps), spread(ceil), ratio(smps, ceil));
  row('server-side apply/s', spread(ssas), spread(ceil), ratio(ssas, ceil));
  row(`RSS after ${N_CREATES} pods and the write scenarios (MB)`, spread(rss));
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const only = process.argv.slice(2);
  const want = (s: string) => only.length === 0 || only.includes(s);
  if (want('startup')) await startup();
  if (want('throughput')) await throughput();
  if (want('watch')) for (const r of await watchFanout(QUICK)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('compaction')) for (const r of await compactionStall(QUICK)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('controllers')) for (const r of await controllerScenarios(RUNS)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('replicasets')) for (const r of await replicaSetScenarios(RUNS)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('daemonset')) for (const r of await daemonSetScenarios(RUNS)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('kubectl')) for (const r of await kubectlScenarios(RUNS, QUICK)) row(r[0], r[1], '', '', r[2] ?? '');
  if (want('crd')) for (const r of await crdScenarios(RUNS, QUICK)) row(...r);
  if (want('deployment')) for (const r of await deploymentScenarios(RUNS)) row(...r);
  if (want('quota')) for (const r of await quotaScenarios(RUNS, QUICK)) row(...r);
  if (want('job')) for (const r of await jobScenarios(RUNS)) row(...r);
  if (want('cronjob')) for (const r of await cronJobScenarios(RUNS)) row(...r);
  if (want('security')) for (const r of await securityScenarios(RUNS, QUICK)) row(...r);
  const md = [
    '# Benchmarks',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Commit ${gitCommit()}. ` +
      `${RUNS} runs each; cells are median (min-max). Throughput is beside the bare ceiling measured in the same run ` +
      '(a Fastify route inserting the same JSON into better-sqlite3 WAL, or returning a cached object), as a ratio: ' +
      'the ratio of each run, median (min-max) over the runs.',
    '',
    '| what | value | ceiling | ratio | target |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'Notes on the scenarios:',
    '',
    '- Start-up is timed from spawning `node bin/kube-emulator.mjs --port 0` to the first 200 from /readyz (cluster DNS, on a free port with ' +
      '`--port 0`, included); the default configuration runs every controller and one simulated node, as `npm start` does; ' +
      'the CPU-time rows are the user+system time the server used until then, which a busy machine disturbs less than wall time.',
    '- The StatefulSet scenarios start the server with `--nodes 6`: one simulated node holds 110 pods, and the 500-replica and 100-replica sets ' +
      'are both running at the end (600 pods; with five nodes, 550, the OrderedReady set cannot finish).',
    `- Watch fan-out: the watchers run in a worker thread of the load generator, apart from the writer, on raw sockets (node:http's client ` +
      `parsing would cost the load generator more than the server); each counts its events, and every ${10}th decodes them for order and latency. ` +
      'The writes are JSON merge patches of 100 pods, after one untimed second of the same writes (JIT warm-up); each event is the whole pod ' +
      '(about 2 KB with its managedFields), so 1,000 watchers at 1,000 writes/s is about 2 GB/s through loopback. The bare ceiling ' +
      '(bench/ceiling.ts) does the least a server can: the same SQLite write, one encoding per event, batches every 5 ms framed once and ' +
      'written to every socket; it runs under the same load right after ours.\n' +
      '- Create throughput: writes are committed in groups (the writes of one event-loop turn share a SQLite transaction; no response leaves ' +
      'before its commit), as etcd batches its raft log.\n',
    '- Compaction stall (bench/compaction.ts): the store in the load generator\'s process, on a data dir, with 200,000 superseded rows ' +
      '(1,000 ConfigMaps written 201 times); the longest gap between the ticks of a 1 ms timer while compact() runs (and perf_hooks\' ' +
      'event-loop delay max) is how long every request and watch would wait.',
    '- Security (bench/security.ts): HTTPS is the default; its create rows are ConfigMap creates beside a bare HTTPS ceiling in the same run ' +
      '(a plain node:https server, ECDSA P-256 like ours, requesting and checking the same client certificate, answering each POST with the ' +
      'posted JSON given a resourceVersion), by the admin client certificate and by a non-admin static-token user whose RBAC Role allows the creates.',
    '- `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles every server the suite starts; bench/prof-create.mts profiles creates alone.',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), md);
  process.stderr.write('wrote BENCHMARKS.md\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
