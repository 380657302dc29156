// The pod-template-hash against values from real clusters and from upstream's own code.
// - Published clusters: the Kubernetes documentation's nginx Deployment (image nginx:1.14.2, then
//   `set image` to nginx:1.16.1; in 2018 nginx:1.7.9) gives ReplicaSet names that many people have
//   published from their clusters. The hash covers the Go struct's field set, so each value holds
//   for the releases whose k8s.io/api has that layout; the layouts of those releases are generated
//   by scripts/gen-podtemplate-go-types.mjs into test/fixtures/podtemplatehash/.
// - The oracle: test/fixtures/podtemplatehash/oracle-1.33.jsonl holds templates (probes, env,
//   volumes, affinity, non-ASCII labels, 30-odd quantity spellings, collision counts) with the hash
//   that upstream's code (go-spew 1.1.1 over the k8s.io/api v1.33.0 types, ComputeHash) gave for
//   them: scripts/podtemplate-hash-oracle/run.sh.
import { readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { computePodTemplateHash, createPodTemplateDumper, hashDump, podTemplateSpecDump } from '../../src/controllers/runtime/podtemplate-hash.js';
import { computeTemplateHash } from '../../src/controllers/runtime/index.js';
import { GO_TYPES as V110 } from '../fixtures/podtemplatehash/go-types-1.10.js';
import { GO_TYPES as V121 } from '../fixtures/podtemplatehash/go-types-1.21.js';
import { GO_TYPES as V129 } from '../fixtures/podtemplatehash/go-types-1.29.js';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { deploymentController } from '../../src/controllers/deployment/index.js';
import { replicaSetController } from '../../src/controllers/replicaset/index.js';
import type { KObject } from '../../src/resources/types.js';

/** The documentation's Deployment template as the API server stores it (defaults applied). */
function docsTemplate(image: string): KObject {
  return {
    metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
    spec: {
      containers: [
        {
          image,
          imagePullPolicy: 'IfNotPresent',
          name: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    },
  };
}

describe('pod-template-hash values published from real clusters', () => {
  it('1.32 and 1.33 (the emulated layout): nginx:1.14.2 gives 647677fc66', () => {
    // a `kubectl get deploy -o yaml` published 2025-05-30 shows this exact template and
    // `ReplicaSet "nginx-deployment-647677fc66" has successfully progressed`
    expect(computePodTemplateHash(docsTemplate('nginx:1.14.2'))).toBe('647677fc66');
  });
  it('1.28 and 1.29: nginx:1.14.2 gives 86dcfdf4c6, nginx:1.16.1 848dd6cfb5', () => {
    // a `kubectl describe deployments` published April 2024 after `set image nginx:1.16.1`:
    // OldReplicaSets: nginx-deployment-86dcfdf4c6, NewReplicaSet: nginx-deployment-848dd6cfb5
    const dump = createPodTemplateDumper(V129);
    expect(hashDump(dump(docsTemplate('nginx:1.14.2')))).toBe('86dcfdf4c6');
    expect(hashDump(dump(docsTemplate('nginx:1.16.1')))).toBe('848dd6cfb5');
  });
  it('1.19 to 1.22: nginx:1.14.2 gives 66b6c48dd5, nginx:1.16.1 559d658b74', () => {
    // the documentation's own outputs of those years (nginx-deployment-66b6c48dd5, then 559d658b74)
    const dump = createPodTemplateDumper(V121);
    expect(hashDump(dump(docsTemplate('nginx:1.14.2')))).toBe('66b6c48dd5');
    expect(hashDump(dump(docsTemplate('nginx:1.16.1')))).toBe('559d658b74');
  });
  it('1.10: nginx:1.7.9 gives 75675f5897', () => {
    // the documentation of 2018 and clusters of then (nginx-deployment-75675f5897-27hs9, ...)
    expect(hashDump(createPodTemplateDumper(V110)(docsTemplate('nginx:1.7.9')))).toBe('75675f5897');
  });
  it('each layout change moves the hash (the value depends on the release)', () => {
    const t = docsTemplate('nginx:1.14.2');
    const hashes = [V110, V121, V129].map((l) => hashDump(createPodTemplateDumper(l)(t)));
    expect(new Set([...hashes, computePodTemplateHash(t)]).size).toBe(4);
  });
});

describe('pod-template-hash against upstream code (go-spew over the v1.33 types)', () => {
  const cases = readFileSync(new URL('../fixtures/podtemplatehash/oracle-1.33.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { template: KObject; collisionCount: number | null; hash: string });
  it('has the cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    expect(computePodTemplateHash(c.template, c.collisionCount)).toBe(c.hash);
    expect(computeTemplateHash(c.template, c.collisionCount)).toBe(c.hash);
  });
});

describe('the dump', () => {
  it('reads as go-spew writes it', () => {
    const d = podTemplateSpecDump(docsTemplate('nginx:1.14.2'));
    expect(d.startsWith('(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) GenerateName:(string) ')).toBe(true);
    expect(d).toContain('CreationTimestamp:(v1.Time){Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}} DeletionTimestamp:(*v1.Time)<nil>');
    expect(d).toContain('Labels:(map[string]string)map[app:nginx] Annotations:(map[string]string)<nil>');
    expect(d).toContain('Ports:([]v1.ContainerPort)[{Name:(string) HostPort:(int32)0 ContainerPort:(int32)80 Protocol:(v1.Protocol)TCP HostIP:(string)}]');
    expect(d).toContain('TerminationGracePeriodSeconds:(*int64)30 ');
    expect(d).toContain('SecurityContext:(*v1.PodSecurityContext){SELinuxOptions:(*v1.SELinuxOptions)<nil> ');
  });
  it('treats empty lists and maps as nil (the controller decodes protobuf)', () => {
    const t = docsTemplate('nginx:1.14.2');
    const withEmpty = structuredClone(t);
    withEmpty.metadata.annotations = {};
    withEmpty.spec.containers[0].args = [];
    withEmpty.spec.volumes = [];
    expect(computePodTemplateHash(withEmpty)).toBe(computePodTemplateHash(t));
  });
  it('does not depend on key order, and a collision count changes it', () => {
    const t = docsTemplate('nginx:1.14.2');
    const reverse = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
    const reordered = reverse(t);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(t));
    expect(computePodTemplateHash(reordered)).toBe('647677fc66');
    expect(computePodTemplateHash(t, 1)).not.toBe('647677fc66');
  });
});

describe('the emulator names ReplicaSets as a v1.33 cluster does', () => {
  let emu: KubeEmulator;
  let mgr: ControllerManager;
  beforeAll(async () => {
    emu = await startServer({ controllers: [] });
    mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions(), [deploymentController, replicaSetController]);
    mgr.start(['*']);
  });
  afterAll(async () => {
    mgr.stop();
    await emu.close();
  });
  it('the documentation Deployment (as sent by kubectl apply) gets nginx-deployment-647677fc66', async () => {
    const dDef = emu.registry.mustDef('apps', 'deployments');
    const rsDef = emu.registry.mustDef('apps', 'replicasets');
    emu.registry.create(dDef, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } },
      },
    });
    const rs = await untilSettled(mgr, () => emu.registry.list(rsDef, 'default').items[0]);
    expect(rs.metadata.name).toBe('nginx-deployment-647677fc66');
    expect(rs.metadata.labels['pod-template-hash']).toBe('647677fc66');
  });
});
