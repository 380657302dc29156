// E2E of issue 16's simulated runtime as configured by a user: `--image-dir DIR` (an image layer per
// image name, DIR/<name>/<tag> or DIR/<name>), `--runtime-config FILE` (an image made a web server on a
// port of its choosing, with log lines of its own), and a pod port mapped to a local address
// (the kube-emulator.io/port-forward annotation) that port-forward and wget reach. Real kubectl
// (the newest installed of 1.33 and 1.29), over HTTPS.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableKubectls, type Kubectl } from '../helpers/kubectl.js';
import { Spawned, getPod, httpGet, manifest, podRunning, startRuntimeCluster, until, type RuntimeCluster } from './fixtures/exec/util.js';

const NS = 'rc-e2e';

describe.each(availableKubectls([33, 29]).slice(0, 1))('kubectl 1.$minor: --image-dir, --runtime-config and pod ports mapped to local addresses', ({ bin }) => {
  let c: RuntimeCluster;
  let k: Kubectl;
  let local: http.Server;
  let localPort = 0;
  const children: Spawned[] = [];

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'rc-e2e-'));
    const images = join(work, 'images');
    mkdirSync(join(images, 'example.com', 'tools', '2.0', 'etc'), { recursive: true });
    writeFileSync(join(images, 'example.com', 'tools', '2.0', 'etc', 'tool.conf'), 'version=2.0\n');
    mkdirSync(join(images, 'webby', 'srv', 'site'), { recursive: true });
    writeFileSync(join(images, 'webby', 'srv', 'site', 'index.html'), 'webby-home\n');
    const config = join(work, 'runtime.yaml');
    writeFileSync(config, 'images:\n- image: webby\n  serve: {type: http-static, root: /srv/site, port: 8080}\n  logs: ["webby starting", "webby ready"]\n');
    local = http.createServer((req, res) => res.end(`local-server ${req.url}\n`));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
    localPort = (local.address() as AddressInfo).port;
    c = await startRuntimeCluster(['--image-dir', images, '--runtime-config', config]);
    k = c.kubectl(bin);
    await k.ok([
      'apply',
      '-f',
      manifest(
        'pods.yaml',
        `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n---\n` +
          `apiVersion: v1\nkind: Pod\nmetadata: {name: tools, namespace: ${NS}}\nspec:\n  containers:\n  - {name: tools, image: 'example.com/tools:2.0', command: ['sleep', '3600']}\n---\n` +
          `apiVersion: v1\nkind: Pod\nmetadata: {name: webby, namespace: ${NS}, labels: {app: webby}}\nspec:\n  containers:\n  - {name: webby, image: 'webby:1', ports: [{containerPort: 8080}]}\n---\n` +
          `apiVersion: v1\nkind: Pod\nmetadata: {name: mapped, namespace: ${NS}, annotations: {kube-emulator.io/port-forward: '9000=127.0.0.1:${localPort}'}}\nspec:\n  containers:\n  - {name: mapped, image: 'busybox:1.36', command: ['sleep', '3600'], ports: [{containerPort: 9000}]}\n---\n` +
          `apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: ${NS}}\nspec:\n  containers:\n  - {name: client, image: 'busybox:1.36', command: ['sleep', '3600']}\n`,
      ),
    ]);
    for (const p of ['tools', 'webby', 'mapped', 'client']) await podRunning(k, NS, p);
  }, 60_000);
  afterAll(async () => {
    for (const s of children) s.kill();
    await c?.close();
    local?.close();
  });

  it('--image-dir: the image layer of example.com/tools:2.0 is in the container', async () => {
    const r = await k.run(['exec', '-n', NS, 'tools', '--', 'cat', '/etc/tool.conf']);
    expect(r).toMatchObject({ code: 0, stdout: 'version=2.0\n' });
    // the layer is read-only from the host's side: a write lands in the container, not in DIR
    await k.ok(['exec', '-n', NS, 'tools', '--', 'sh', '-c', 'echo changed > /etc/tool.conf']);
    expect((await k.run(['exec', '-n', NS, 'tools', '--', 'cat', '/etc/tool.conf'])).stdout).toBe('changed\n');
  });

  it('--runtime-config: webby serves /srv/site on 8080 and logs its configured lines', async () => {
    const ip = (await getPod(k, NS, 'webby')).status.podIP;
    const r = await k.run(['exec', '-n', NS, 'client', '--', 'wget', '-O', '-', '-q', `http://${ip}:8080/`]);
    expect(r).toMatchObject({ code: 0, stdout: 'webby-home\n' });
    const logs = await until('webby logs', async () => {
      const l = await k.run(['logs', '-n', NS, 'webby']);
      return l.code === 0 && l.stdout.includes('webby ready') && l.stdout;
    });
    expect(logs.startsWith('webby starting\nwebby ready\n')).toBe(true);
  });

  it('a pod port mapped to a local address: port-forward and wget from another pod reach the local server', async () => {
    const pf = new Spawned(k, ['port-forward', '-n', NS, 'pod/mapped', ':9000']);
    children.push(pf);
    const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 9000/, 'port-forward to be ready');
    const res = await httpGet(Number(m[1]), '/via-pf');
    expect(res).toMatchObject({ status: 200, body: 'local-server /via-pf\n' });
    pf.kill();
    const ip = (await getPod(k, NS, 'mapped')).status.podIP;
    const w = await k.run(['exec', '-n', NS, 'client', '--', 'wget', '-O', '-', '-q', `http://${ip}:9000/via-wget`]);
    expect(w).toMatchObject({ code: 0, stdout: 'local-server /via-wget\n' });
  });
});
