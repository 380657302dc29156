// Stored data that an older version let in (null list elements, null map values) must never keep
// the server from starting, nor stop a controller: start-up rebuilds skip what they cannot read,
// controllers record upstream's events for the bad object and go on with the others.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createServer, type KubeEmulator } from '../../src/server/app.js';
import { ObjectStore } from '../../src/storage/store.js';
import { Registry } from '../../src/registry/registry.js';
import { allResources } from '../../src/resources/index.js';
import type { KObject } from '../../src/resources/types.js';
import { untilSettled } from '../helpers/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kube-emu-nulls-'));
const servers: KubeEmulator[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Writes objects into the SQLite store as an older version would have, without any validation. */
function storeRaw(objects: [string, KObject][]): void {
  const store = new ObjectStore({ dataDir, attrs: Registry.attrsFor(allResources(33)), compactIntervalMs: 0 });
  try {
    for (const [key, obj] of objects) store.put(key, obj);
  } finally {
    store.close();
  }
}

const meta = (name: string) => ({ name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' });
const container = { name: 'c', image: 'i', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
const podSpec = { containers: [container], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 };
const sts = (name: string, extra: KObject = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { ...meta(name), generation: 1 },
  spec: {
    replicas: 1,
    serviceName: '',
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: podSpec },
    ...extra,
  },
  status: { replicas: 0, availableReplicas: 0 },
});

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('a restart over stored objects with nulls', () => {
  it('comes up, serves, and every controller handles the other objects', async () => {
    // a first start lays down the namespaces and the kubernetes Service
    const first = await createServer({ dataDir, port: 0, logLevel: 'silent', controllers: [] , security: { open: true } });
    const np = await call(first.url, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'good' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    });
    expect(np.status).toBe(201);
    await first.close();

    storeRaw([
      [
        '/core/services/default/bricks',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta('bricks'),
          spec: {
            type: 'NodePort',
            selector: { app: 'web' },
            clusterIP: '10.96.0.77',
            clusterIPs: ['10.96.0.77', null],
            ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30081 }, null],
          },
        },
      ],
      [
        '/core/services/default/websvc',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: meta('websvc'),
          spec: { type: 'ClusterIP', selector: { app: 'web' }, clusterIP: '10.96.0.78', clusterIPs: ['10.96.0.78'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
        },
      ],
      [
        '/core/pods/default/affinity',
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: meta('affinity'),
          spec: { ...podSpec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [null] }] } } } },
          status: { phase: 'Pending' },
        },
      ],
      ['/core/pods/default/fine', { apiVersion: 'v1', kind: 'Pod', metadata: meta('fine'), spec: podSpec, status: { phase: 'Pending' } }],
      ['/apps/statefulsets/default/claims', sts('claims', { volumeClaimTemplates: [null] })],
      ['/apps/statefulsets/default/labels', sts('labels', { selector: { matchLabels: { app: null } }, template: { metadata: { labels: { app: null } }, spec: podSpec } })],
      ['/apps/statefulsets/default/web', sts('web')],
    ]);

    const logs: any[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const emu = await createServer({ dataDir, port: 0, logger, controllers: ['*'], podStages: 'fast' , security: { open: true } });
    servers.push(emu);

    // it serves, the bad Service included
    const got = await call(emu.url, 'GET', '/api/v1/namespaces/default/services/bricks');
    expect(got.status).toBe(200);
    // the node ports of both stored Services were rebuilt: taking one again is refused
    const taken = await call(emu.url, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'again' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30081 }] },
    });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe('Service "again" is invalid: spec.ports[0].nodePort: Invalid value: 30081: provided port is already allocated');

    const events = () => emu.registry.list(emu.registry.mustDef('', 'events'), 'default').items as KObject[];
    const podsDef = emu.registry.mustDef('', 'pods');
    // the scheduler: the pod whose requirement cannot match is unschedulable, with upstream's event; the other pod is bound
    const failed = await untilSettled(emu.controllers, () => events().find((e) => e.involvedObject?.name === 'affinity' && e.reason === 'FailedScheduling'));
    expect(failed.message).toBe("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
    await untilSettled(emu.controllers, () => emu.registry.get(podsDef, 'default', 'fine').spec.nodeName);
    // the StatefulSet controller: the zero claim template cannot be created (FailedCreate), the healthy set gets its pod
    const fc = await untilSettled(emu.controllers, () => events().find((e) => e.involvedObject?.name === 'claims' && e.reason === 'FailedCreate'));
    expect(fc.message).toMatch(/^create Claim -claims-0 for Pod claims-0 in StatefulSet claims failed error: PersistentVolumeClaim "-claims-0" is invalid: /);
    await untilSettled(emu.controllers, () => emu.registry.tryGet(podsDef, 'default', 'web-0'));
    // the endpoints controller serves the healthy Service that selects the same pods as the bad one
    const epDef = emu.registry.mustDef('', 'endpoints');
    const ep = await untilSettled(emu.controllers, () => emu.registry.tryGet(epDef, 'default', 'websvc')?.subsets?.[0]?.addresses?.length && emu.registry.get(epDef, 'default', 'websvc'));
    expect(ep.subsets[0].addresses[0].targetRef).toMatchObject({ kind: 'Pod', name: 'web-0' });
    // nothing logged a crash; the bad Service can be deleted, which releases its port
    expect(logs.filter((l) => l.level >= 60)).toEqual([]);
    expect((await call(emu.url, 'DELETE', '/api/v1/namespaces/default/services/bricks')).status).toBe(200);
    const reuse = await call(emu.url, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'again' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30081 }] },
    });
    expect(reuse.status).toBe(201);
  });
});
