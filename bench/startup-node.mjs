// Start-up on another Node (users run 22 and 24; these machines have 20): spawn the CLI with the
// given node binary, poll /readyz over HTTPS until it answers, and print wall and CPU ms per run
// and the median. The data dir is made by the first (unmeasured) run, so the measured runs read
// an existing CA, certificates and keys, as the security benchmark's start-up row does.
//   node bench/startup-node.mjs <node> <bin/kube-emulator.mjs> [runs] [server args...]
// better-sqlite3 is native: for another Node's ABI, bench/prepare-node.sh makes a copy of the
// app whose node_modules holds a better-sqlite3 built for that Node.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [node, cli, runsArg = '5', ...extra] = process.argv.slice(2);
if (!node || !cli) { process.stderr.write('usage: startup-node.mjs <node> <cli> [runs] [args...]\n'); process.exit(2); }
const dataDir = mkdtempSync(join(tmpdir(), 'ke-startup-'));
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, () => { const p = s.address().port; s.close(() => r(p)); }); });
const ready = (port) => new Promise((r) => {
  const q = https.get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false }, (res) => { res.resume(); r(res.statusCode < 500); });
  q.on('error', () => r(false));
});
async function once() {
  const port = await freePort();
  const t0 = performance.now();
  const ch = spawn(node, [cli, '--port', String(port), '--dns-port', '0', '--data-dir', dataDir, '--kubeconfig', join(dataDir, 'kubeconfig'), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = ''; ch.stderr.on('data', (d) => { err += d; });
  while (!(await ready(port))) {
    if (ch.exitCode !== null) throw new Error(`server exited: ${err}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const wall = performance.now() - t0;
  const f = readFileSync(`/proc/${ch.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpu = ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
  ch.kill('SIGKILL');
  await new Promise((r) => ch.once('exit', r));
  return { wall: Math.round(wall), cpu };
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  await once(); // first start: makes the data dir, the PKI and (on Node 22+) the compile cache
  const runs = [];
  for (let i = 0; i < Number(runsArg); i++) runs.push(await once());
  const w = runs.map((r) => r.wall); const c = runs.map((r) => r.cpu);
  process.stdout.write(`${JSON.stringify(runs)}\nwall ${med(w)} (${Math.min(...w)}-${Math.max(...w)}) ms, cpu ${med(c)} (${Math.min(...c)}-${Math.max(...c)}) ms\n`);
} finally { rmSync(dataDir, { recursive: true, force: true }); }
