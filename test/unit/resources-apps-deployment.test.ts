// The apps/v1 Deployment kind: defaults, validation (upstream wording), strategy (generation,
// status resets), scale subresource and printer, through the in-memory server's registry and HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import type { KObject } from '../../src/resources/types.js';
import { deploymentDef } from '../../src/resources/apps/deployment.js';
import { StatusError } from '../../src/registry/errors.js';

let emu: KubeEmulator;
const NS = 'default';
const def = () => emu.registry.mustDef('apps', 'deployments');

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
});
afterAll(async () => {
  await emu.close();
});

function deploy(name: string, spec: KObject = {}, meta: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...meta },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

function causes(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return ((e as any).status?.details?.causes ?? (e as any).details?.causes ?? []).map((c: KObject) => `${c.field}: ${c.message}`);
    throw e;
  }
  throw new Error('no error');
}
const create = (o: KObject) => emu.registry.create(def(), NS, o).object;
const invalidCreate = (o: KObject) => causes(() => create(o));

describe('Deployment identity', () => {
  it('is discovered as upstream', async () => {
    const r = await fetch(`${emu.url}/apis/apps/v1`).then((x) => x.json());
    const names = r.resources.map((x: KObject) => x.name);
    expect(names.indexOf('deployments')).toBeGreaterThan(names.indexOf('controllerrevisions'));
    expect(names.indexOf('deployments')).toBeLessThan(names.indexOf('statefulsets'));
    const d = r.resources.find((x: KObject) => x.name === 'deployments');
    expect(d).toMatchObject({ kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], singularName: 'deployment' });
    expect(r.resources.find((x: KObject) => x.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(r.resources.find((x: KObject) => x.name === 'deployments/status')).toMatchObject({ kind: 'Deployment' });
  });
});

describe('Deployment defaults', () => {
  it('fills strategy, limits, replicas and the pod template as a 1.33 apiserver', () => {
    const d = create(deploy('defaults'));
    expect(d.metadata.generation).toBe(1);
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(d.spec.template.metadata.creationTimestamp).toBeNull();
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
    expect(d.status).toEqual({});
  });
  it('keeps given values and leaves rollingUpdate out of Recreate', () => {
    const d = create(deploy('recreate', { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0 }));
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.revisionHistoryLimit).toBe(0);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const p = create(deploy('partial', { strategy: { rollingUpdate: { maxSurge: 2 } } }));
    expect(p.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: '25%' } });
  });
  it('status on create is reset', () => {
    const d = create({ ...deploy('st'), status: { replicas: 5, availableReplicas: 5 } });
    expect(d.status).toEqual({});
  });
});

describe('Deployment validation', () => {
  it('maxSurge and maxUnavailable both zero', () => {
    expect(invalidCreate(deploy('z', { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ]);
    expect(invalidCreate(deploy('z', { strategy: { rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    ]);
  });
  it('percentages over 100% and bad strings', () => {
    expect(invalidCreate(deploy('p', { strategy: { rollingUpdate: { maxUnavailable: '101%' } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%',
    ]);
    // maxSurge may exceed 100%
    expect(create(deploy('surge200', { strategy: { rollingUpdate: { maxSurge: '200%' } } })).spec.strategy.rollingUpdate.maxSurge).toBe('200%');
    expect(invalidCreate(deploy('p', { strategy: { rollingUpdate: { maxSurge: 'abc', maxUnavailable: -1 } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"abc\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%' or '93%', regex used for validation is '[0-9]+%')",
    ]);
  });
  it('strategy type', () => {
    expect(invalidCreate(deploy('s', { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(invalidCreate(deploy('s', { strategy: { type: 'BlueGreen' } }))).toEqual([
      'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ]);
  });
  it('selector and template', () => {
    expect(invalidCreate(deploy('sel', { selector: { matchLabels: { app: 'other' } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"sel"}: `selector` does not match template `labels`',
    ]);
    expect(invalidCreate(deploy('sel', { selector: {} }))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
    const noSel = deploy('sel');
    delete noSel.spec.selector;
    // a nil selector is labels.Nothing(): it matches no template either
    expect(invalidCreate(noSel)).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"sel"}: `selector` does not match template `labels`',
    ]);
    const bad = deploy('tpl');
    bad.spec.template.spec.restartPolicy = 'Never';
    bad.spec.template.spec.activeDeadlineSeconds = 5;
    expect(invalidCreate(bad)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
    const noImage = deploy('img');
    delete noImage.spec.template.spec.containers[0].image;
    expect(invalidCreate(noImage)).toEqual(['spec.template.spec.containers[0].image: Required value']);
  });
  it('counts and deadlines', () => {
    expect(invalidCreate(deploy('n', { replicas: -1, minReadySeconds: -2, revisionHistoryLimit: -3 }))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
    ]);
    expect(invalidCreate(deploy('n', { minReadySeconds: 10, progressDeadlineSeconds: 10 }))).toEqual([
      'spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds',
    ]);
    expect(invalidCreate(deploy('n', {}, { annotations: { 'deprecated.deployment.rollback.to': '-1' } }))).toEqual([
      'spec.rollback.version: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  it('the selector is immutable', () => {
    create(deploy('imm'));
    expect(
      causes(() =>
        emu.registry.modify(def(), NS, 'imm', (o) => {
          o.spec.selector = { matchLabels: { app: 'imm', tier: 'x' } };
          o.spec.template.metadata.labels.tier = 'x';
        }),
      ),
    ).toEqual(['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"imm", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  });
});

describe('Deployment strategy', () => {
  it('bumps generation on spec and on annotation changes, not on labels or status', () => {
    create(deploy('gen'));
    const g = () => emu.registry.get(def(), NS, 'gen').metadata.generation;
    emu.registry.modify(def(), NS, 'gen', (o) => void (o.spec.replicas = 3));
    expect(g()).toBe(2);
    emu.registry.modify(def(), NS, 'gen', (o) => void (o.metadata.annotations = { 'kubernetes.io/change-cause': 'x' }));
    expect(g()).toBe(3);
    emu.registry.modify(def(), NS, 'gen', (o) => void (o.metadata.labels = { a: 'b' }));
    expect(g()).toBe(3);
    emu.registry.modify(def(), NS, 'gen', (o) => void (o.status = { observedGeneration: 3, replicas: 1 }), { subresource: 'status' });
    expect(g()).toBe(3);
  });
  it('status writes keep spec and labels but may change annotations; main writes keep status', () => {
    create(deploy('stat', {}, { labels: { keep: 'me' } }));
    const out = emu.registry.modify(
      def(),
      NS,
      'stat',
      (o) => {
        o.spec.replicas = 9;
        o.metadata.labels = { changed: 'yes' };
        o.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
        o.status = { replicas: 1, observedGeneration: 1, terminatingReplicas: 2 };
      },
      { subresource: 'status' },
    ).object;
    expect(out.spec.replicas).toBe(1);
    expect(out.metadata.labels).toEqual({ keep: 'me' });
    expect(out.metadata.annotations).toEqual({ 'deployment.kubernetes.io/revision': '1' });
    expect(out.status).toEqual({ replicas: 1, observedGeneration: 1 });
    const main = emu.registry.modify(def(), NS, 'stat', (o) => void (o.status = { replicas: 7 })).object;
    expect(main.status).toEqual({ replicas: 1, observedGeneration: 1 });
  });
  it('status validation', () => {
    create(deploy('sv'));
    const bad = causes(() =>
      emu.registry.modify(def(), NS, 'sv', (o) => void (o.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: -1 }), { subresource: 'status' }),
    );
    expect(bad).toEqual([
      'status.unavailableReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
    emu.registry.modify(def(), NS, 'sv', (o) => void (o.status = { collisionCount: 2 }), { subresource: 'status' });
    expect(causes(() => emu.registry.modify(def(), NS, 'sv', (o) => void (o.status = { collisionCount: 1 }), { subresource: 'status' }))).toEqual([
      'status.collisionCount: Invalid value: 1: cannot be decremented',
    ]);
  });
});

describe('Deployment scale subresource and printer', () => {
  it('scale reads and writes spec.replicas with the selector', async () => {
    create(deploy('sc', { replicas: 2, selector: { matchLabels: { app: 'sc' } } }));
    const base = `${emu.url}/apis/apps/v1/namespaces/${NS}/deployments/sc/scale`;
    const s = await fetch(base).then((r) => r.json());
    expect(s).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=sc' } });
    const r = await fetch(base, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { replicas: 5 } }) });
    expect(r.status).toBe(200);
    expect(emu.registry.get(def(), NS, 'sc').spec.replicas).toBe(5);
  });
  it('prints NAME READY UP-TO-DATE AVAILABLE AGE and, wide, CONTAINERS IMAGES SELECTOR', async () => {
    create(deploy('pr', { replicas: 3 }));
    emu.registry.modify(def(), NS, 'pr', (o) => void (o.status = { replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }), { subresource: 'status' });
    const t = await fetch(`${emu.url}/apis/apps/v1/namespaces/${NS}/deployments/pr`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    }).then((r) => r.json());
    expect(t.columnDefinitions.map((c: KObject) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    expect(t.rows[0].cells).toEqual(['pr', '1/3', 2, 1, expect.any(String), 'nginx', 'nginx:1.25', 'app=pr']);
  });
  it('is the definition upstream names', () => {
    expect(deploymentDef.definition).toBe('io.k8s.api.apps.v1.Deployment');
    expect(deploymentDef.defaultDeletePolicy).toBe('Background');
  });
});
