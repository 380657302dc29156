// The SimulatedRuntime inside a server: a container per running container of the node agent's pods,
// exec with the pod's filesystem and environment, the pod network (DNS names with the pod's search
// path, pod IPs, ClusterIP and headless services), web-server images, port-forward, the kubelet's
// refusals, and the seed's StatefulSet on NFS volumes (index.html `v0` served by pod 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import type { SimulatedRuntime } from '../../src/runtime/runtime.js';
import { StatusError } from '../../src/registry/errors.js';
import { startServer } from '../helpers/server.js';
import { captureStreams, httpGet, standInParts, type MemoryLogs } from '../helpers/runtime-standins.js';

let emu: KubeEmulator;
let rt: SimulatedRuntime;
let logs: MemoryLogs;
let nfsRoot: string;
const api = () => request(emu.app.server);

beforeAll(async () => {
  nfsRoot = mkdtempSync(join(tmpdir(), 'nfs-'));
  for (let i = 0; i < 7; i++) {
    mkdirSync(join(nfsRoot, '172.16.1.2', 'data', 'volumes', `v${i}`), { recursive: true });
    writeFileSync(join(nfsRoot, '172.16.1.2', 'data', 'volumes', `v${i}`, 'index.html'), `v${i}\n`);
  }
  const parts = standInParts();
  logs = parts.logs;
  emu = await startServer({ controllers: ['*'], runtimeOptions: { parts, nfsRoot } });
  rt = emu.runtime as SimulatedRuntime;
});
afterAll(async () => {
  await emu?.close();
  rmSync(nfsRoot, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function apply(path: string, obj: Record<string, unknown>) {
  const r = await api().post(path).send(obj);
  if (r.status !== 201 && r.status !== 409) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
}
const ns = (name: string) => apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pod = (namespace: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
  apply(`/api/v1/namespaces/${namespace}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec });
const ready = (namespace: string, name: string) =>
  until(async () => {
    const p = (await api().get(`/api/v1/namespaces/${namespace}/pods/${name}`)).body;
    return p.status?.containerStatuses?.every((c: any) => c.ready) && p.status.podIP && p;
  });

async function run(namespace: string, podName: string, command: string[], container = 'c') {
  const cap = captureStreams();
  const r = await rt.exec({ namespace, pod: podName, container }, command, cap.streams);
  return { ...r, stdout: cap.stdout(), stderr: cap.stderr() };
}

describe('SimulatedRuntime', () => {
  it('is built with the node agent and set on the server', () => {
    expect(rt).toBeDefined();
    expect(typeof rt.check).toBe('function');
  });

  it('exec: environment, hostname, kubelet-managed files, service links', async () => {
    await ns('rt1');
    await apply('/api/v1/namespaces/rt1/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { color: 'blue', 'app.conf': 'x=1\n' } });
    await apply('/api/v1/namespaces/rt1/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-svc' }, spec: { selector: { app: 'none' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] } });
    await pod('rt1', 'box', {
      hostname: 'box',
      subdomain: 'sub',
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sleep', '3600'],
          workingDir: '/work',
          env: [
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'GREETING', value: 'hello $(POD) $$(POD)' },
          ],
          volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }],
        },
      ],
      volumes: [{ name: 'conf', configMap: { name: 'cfg' } }],
    });
    const p = await ready('rt1', 'box');
    const env = await run('rt1', 'box', ['env']);
    expect(env.exitCode).toBe(0);
    const vars = Object.fromEntries(env.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(vars).toMatchObject({ COLOR: 'blue', POD: 'box', GREETING: 'hello box $(POD)', HOSTNAME: 'box', HOME: '/root' });
    expect(vars.PATH).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    const svc = (await api().get('/api/v1/namespaces/rt1/services/my-svc')).body;
    expect(vars.MY_SVC_SERVICE_HOST).toBe(svc.spec.clusterIP);
    expect(vars.MY_SVC_SERVICE_PORT).toBe('8080');
    expect(vars.MY_SVC_SERVICE_PORT_HTTP).toBe('8080');
    expect(vars.MY_SVC_PORT_8080_TCP).toBe(`tcp://${svc.spec.clusterIP}:8080`);
    expect(vars.KUBERNETES_SERVICE_PORT).toBe('443');
    const hosts = await run('rt1', 'box', ['cat', '/etc/hosts']);
    expect(hosts.stdout).toContain('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n');
    expect(hosts.stdout).toContain(`${p.status.podIP}\tbox.sub.rt1.svc.cluster.local\tbox\n`);
    expect((await run('rt1', 'box', ['cat', '/etc/resolv.conf'])).stdout).toBe('search rt1.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect((await run('rt1', 'box', ['cat', '/etc/hostname'])).stdout).toBe('box\n');
    expect((await run('rt1', 'box', ['cat', '/etc/conf/color'])).stdout).toBe('blue');
    expect((await run('rt1', 'box', ['cat', 'app.conf'])).exitCode).toBe(1);
    expect((await run('rt1', 'box', ['nope'])).exitCode).toBe(127);
    // the main process (sleep) is the stand-in shell's: it does not know sleep, and says so in the log
    expect(logs.text(p.metadata.uid, 'c')).toContain('sh: sleep: not found');
  });

  it('the service account volume: token, ca.crt, namespace', async () => {
    await ns('rt2');
    // no ServiceAccount admission in this test server: the projected volume is written by hand
    await apply('/api/v1/namespaces/rt2/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    await pod('rt2', 'sa', {
      containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    });
    await ready('rt2', 'sa');
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect((await run('rt2', 'sa', ['cat', `${dir}/namespace`])).stdout).toBe('rt2');
    // kube-root-ca.crt, published by the root-CA publisher
    expect((await run('rt2', 'sa', ['cat', `${dir}/ca.crt`])).stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const token = (await run('rt2', 'sa', ['cat', `${dir}/token`])).stdout;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims.sub).toBe('system:serviceaccount:rt2:default');
    expect(claims['kubernetes.io'].pod.name).toBe('sa');
    const ls = (await run('rt2', 'sa', ['ls', dir])).stdout.split('\n');
    expect(ls).toEqual(expect.arrayContaining(['..data', 'ca.crt', 'namespace', 'token']));
  });

  it('web servers: nginx welcome page, 404, access log; through a ClusterIP service and port-forward', async () => {
    await ns('rt3');
    await pod('rt3', 'web', { containers: [{ name: 'c', image: 'nginx:1.27.3', ports: [{ name: 'http', containerPort: 80 }] }] }, { labels: { app: 'web' } });
    await pod('rt3', 'client', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }] });
    await apply('/api/v1/namespaces/rt3/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 'http' }] } });
    const web = await ready('rt3', 'web');
    const client = await ready('rt3', 'client');
    const byIP = await run('rt3', 'client', ['wget', '-O', '-', '-q', `http://${web.status.podIP}/`]);
    expect(byIP.stdout).toContain('<title>Welcome to nginx!</title>');
    // the Service by name (search path) and its named targetPort
    const viaSvc = await until(async () => {
      const r = await run('rt3', 'client', ['wget', '-O', '-', '-q', 'http://web:8080/']);
      return r.exitCode === 0 && r;
    });
    expect(viaSvc.stdout).toContain('Welcome to nginx!');
    const missing = await run('rt3', 'client', ['wget', '-O', '-', '-q', `http://web.rt3.svc.cluster.local:8080/nope.html`]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('404');
    const log = logs.text(web.metadata.uid, 'c');
    expect(log).toContain('[notice] 1#1: nginx/1.27.3');
    expect(log).toMatch(new RegExp(`${client.status.podIP.replace(/\./g, '\\.')} - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "GET / HTTP/1.1" 200 615 "-" "Wget" "-"`));
    expect(log).toContain('"GET /nope.html HTTP/1.1" 404 153');
    // port-forward reaches the same listener, as from 127.0.0.1
    const sock = await rt.portForward('rt3', 'web', 80);
    const body = await new Promise<string>((resolve) => {
      let s = '';
      sock.on('data', (d: Buffer) => (s += d.toString()));
      sock.on('end', () => resolve(s));
      sock.write('HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    expect(body).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(body).toContain('Server: nginx/1.27.3');
    expect(body).toContain('Content-Type: text/html');
    expect(body).toContain('Content-Length: 615');
    expect(logs.text(web.metadata.uid, 'c')).toContain('127.0.0.1 - - [');
    // nothing on port 81: containerd's words
    await expect(rt.portForward('rt3', 'web', 81)).rejects.toThrow(/failed to connect to localhost:81 inside namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused/);
    // the network's errors
    const ctx = await rt.contextOf({ namespace: 'rt3', pod: 'client', container: 'c' });
    await expect(ctx.network.connect(web.status.podIP, 81)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(ctx.network.connect('192.0.2.1', 80)).rejects.toMatchObject({ code: 'EHOSTUNREACH' });
    await expect(ctx.network.connect('127.0.0.1', 80)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // a NodePort on the node's address
    await apply('/api/v1/namespaces/rt3/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const np = (await api().get('/api/v1/namespaces/rt3/services/web-np')).body.spec.ports[0].nodePort;
    const viaNode = await until(async () => {
      try {
        return await httpGet(ctx, `http://${web.status.hostIP}:${np}/`);
      } catch {
        return undefined;
      }
    });
    expect(viaNode.body).toContain('Welcome to nginx!');
    await expect(ctx.network.connect(web.status.hostIP, 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await ctx.network.lookup('no-such-name')).toBeUndefined();
    expect((await ctx.network.lookup('web'))?.name).toBe('web.rt3.svc.cluster.local');
  });

  it('check: the kubelet refusals before the upgrade', async () => {
    const refusal = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        return e as StatusError;
      }
      return undefined;
    };
    const e1 = refusal(() => rt.check({ namespace: 'rt3', pod: 'web', container: 'nope' }, 'exec'));
    expect(e1).toBeInstanceOf(StatusError);
    expect(e1?.code).toBe(500);
    expect(e1?.message).toBe('container not found ("nope")');
    expect(refusal(() => rt.check({ namespace: 'rt3', pod: 'ghost', container: 'c' }, 'attach'))?.message).toBe('container not found ("c")');
    expect(refusal(() => rt.check({ namespace: 'rt3', pod: 'ghost', container: '' }, 'portforward'))?.message).toBe('pod not found ("ghost_rt3")');
    expect(refusal(() => rt.check({ namespace: 'rt3', pod: 'web', container: 'c' }, 'exec'))).toBeUndefined();
    await expect(rt.exec({ namespace: 'rt3', pod: 'web', container: 'nope' }, ['ls'], captureStreams().streams)).rejects.toThrow('container not found ("nope")');
  });

  it('the seed: a StatefulSet of ikubernetes/myapp on NFS PVs; pod 1 serves v0, also after it is re-created', async () => {
    await ns('sts');
    for (let i = 0; i < 7; i++)
      await apply('/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `sts-pv-v${i}` },
        spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '5G' }, nfs: { path: `/data/volumes/v${i}`, server: '172.16.1.2' } },
      });
    await apply('/api/v1/namespaces/sts/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sts-service' },
      spec: { clusterIP: 'None', ports: [{ name: 'http', targetPort: 80, port: 80, protocol: 'TCP' }], selector: { app_name: 'pod', contorller: 'statefulset' } },
    });
    const labels = { app_name: 'pod', contorller: 'statefulset' };
    await apply('/apis/apps/v1/namespaces/sts/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'sts-pod-contoller' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        serviceName: 'sts-service',
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'containers', imagePullPolicy: 'IfNotPresent', ports: [{ name: 'http', containerPort: 80 }], image: 'ikubernetes/myapp:v1', volumeMounts: [{ name: 'sts-pvc', mountPath: '/usr/share/nginx/html' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'sts-pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2G' } } } }],
      },
    });
    await ready('sts', 'sts-pod-contoller-0');
    await ready('sts', 'sts-pod-contoller-1');
    const claimOf = async (i: number) => (await api().get(`/api/v1/namespaces/sts/persistentvolumeclaims/sts-pvc-sts-pod-contoller-${i}`)).body.spec?.volumeName;
    const pv1 = await until(() => claimOf(1));
    const want = `${pv1.replace('sts-pv-', '')}\n`;
    const get = async (i: number) => {
      const r = await until(async () => {
        const x = await run('sts', 'sts-pod-contoller-0', ['wget', '-O', '-', '-q', `sts-pod-contoller-${i}.sts-service`], 'containers');
        return x.exitCode === 0 && x;
      });
      return r.stdout;
    };
    expect(await get(1)).toBe(want);
    const pv0 = await claimOf(0);
    expect(await get(0)).toBe(`${pv0.replace('sts-pv-', '')}\n`);
    // the image's own page is hidden by the mount; hostname.html too
    const old = (await api().get('/api/v1/namespaces/sts/pods/sts-pod-contoller-1')).body;
    await api().delete('/api/v1/namespaces/sts/pods/sts-pod-contoller-1').expect(200);
    await until(async () => {
      const p = (await api().get('/api/v1/namespaces/sts/pods/sts-pod-contoller-1')).body;
      return p.metadata?.uid && p.metadata.uid !== old.metadata.uid && p.status?.containerStatuses?.[0]?.ready && p;
    });
    expect(await get(1)).toBe(want);
    expect(rt.runningContainers().some((c) => c.key.uid === old.metadata.uid)).toBe(false);
    await until(() => logs.removed.includes(old.metadata.uid));
  });

  it('ikubernetes/myapp without a volume: its own index and hostname.html', async () => {
    await ns('rt4');
    await pod('rt4', 'myapp', { containers: [{ name: 'c', image: 'ikubernetes/myapp:v2' }] });
    const p = await ready('rt4', 'myapp');
    const ctx = await rt.contextOf({ namespace: 'rt4', pod: 'myapp', container: 'c' });
    expect((await httpGet(ctx, `http://${p.status.podIP}/`)).body).toBe('Hello MyApp | Version: v2 | <a href="hostname.html">Pod Name</a>\n');
    expect((await httpGet(ctx, 'http://localhost/hostname.html')).body).toBe('myapp\n');
  });

  it('a container that restarts gets a new record; a pod that completes none', async () => {
    await ns('rt5');
    await pod('rt5', 'once', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['echo', 'hi'] }] }, { annotations: { 'kube-emulator.io/complete-after': '200ms' } });
    const p = await ready('rt5', 'once');
    expect(rt.runningContainers().some((c) => c.key.uid === p.metadata.uid)).toBe(true);
    await until(() => logs.text(p.metadata.uid, 'c') === 'hi\n');
    await until(async () => (await api().get('/api/v1/namespaces/rt5/pods/once')).body.status?.phase === 'Succeeded');
    await until(() => !rt.runningContainers().some((c) => c.key.uid === p.metadata.uid));
    expect(logs.ended).toContain(`${p.metadata.uid}/c/0`);
  });
});

describe('SimulatedRuntime: a server without the node agent', () => {
  it('has no runtime', async () => {
    const e = await startServer({ controllers: [] });
    try {
      expect(e.runtime).toBeUndefined();
    } finally {
      await e.close();
    }
  });

  it('with a data dir: <data-dir>/runtime and <data-dir>/nfs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rtdata-'));
    // a pod deleted while the emulator was down: its directory goes at the next start
    mkdirSync(join(dataDir, 'runtime', 'pods', 'gone-uid', 'volumes'), { recursive: true });
    const e = await startServer({ controllers: ['*'], inMemory: false, dataDir, runtimeOptions: { parts: standInParts() } });
    try {
      const r = e.runtime as SimulatedRuntime;
      expect(r.root).toBe(join(dataDir, 'runtime'));
      expect(r.dirs.nfsRoot).toBe(join(dataDir, 'nfs'));
      expect(r.dirs.hostPathRoot).toBe(join(dataDir, 'runtime', 'hostpath'));
      await until(() => !existsSync(join(dataDir, 'runtime', 'pods', 'gone-uid')));
    } finally {
      await e.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('in-memory runtime root is removed on close', async () => {
    const e = await startServer({ controllers: ['*'], runtimeOptions: { parts: standInParts() } });
    const root = (e.runtime as SimulatedRuntime).root;
    expect(existsSync(root)).toBe(true);
    await e.close();
    expect(existsSync(root)).toBe(false);
  });
});
