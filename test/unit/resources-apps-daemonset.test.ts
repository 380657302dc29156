// DaemonSet kind: defaults, templateGeneration/generation, validation wording, immutable selector,
// status reset and the printer, through the registry as a client writes them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import type { KObject } from '../../src/resources/types.js';
import { daemonSetPrinter } from '../../src/resources/apps/daemonset.js';
import { StatusError } from '../../src/registry/errors.js';

let emu: KubeEmulator;
const NS = 'default';
const dsDef = () => emu.registry.mustDef('apps', 'daemonsets');

beforeAll(async () => {
  emu = await startServer();
});
afterAll(async () => {
  await emu.close();
});

function ds(name: string, spec: KObject = {}, tpl: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...tpl } },
      ...spec,
    },
  };
}

function causesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return ((e.details as KObject | undefined)?.causes ?? []).map((c: KObject) => `${c.field}: ${c.message}`);
    throw e;
  }
  throw new Error('expected an Invalid error');
}

describe('DaemonSet kind', () => {
  it('is served as apps/v1 daemonsets (ds, category all, status only)', () => {
    const d = dsDef();
    expect(d.shortNames).toEqual(['ds']);
    expect(d.categories).toEqual(['all']);
    expect(d.subresources.map((s) => s.name)).toEqual(['status']);
    expect(d.scale).toBeUndefined();
  });

  it('defaults the update strategy, history limit, template and status; generation and templateGeneration start at 1', () => {
    const o = emu.registry.create(dsDef(), NS, ds('a', {}, { restartPolicy: undefined })).object;
    expect(o.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(o.spec.revisionHistoryLimit).toBe(10);
    expect(o.spec.template.metadata.creationTimestamp).toBeNull();
    expect(o.spec.template.spec.restartPolicy).toBe('Always');
    expect(o.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    expect(o.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(o.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    expect(o.metadata.generation).toBe(1);
    expect(o.metadata.annotations['deprecated.daemonset.template.generation']).toBe('1');
  });

  it('OnDelete keeps a given rollingUpdate with zero values, and no rollingUpdate otherwise', () => {
    const a = emu.registry.create(dsDef(), NS, ds('ondel', { updateStrategy: { type: 'OnDelete' } })).object;
    expect(a.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    const b = emu.registry.create(dsDef(), NS, ds('ondel2', { updateStrategy: { type: 'OnDelete', rollingUpdate: {} } })).object;
    expect(b.spec.updateStrategy).toEqual({ type: 'OnDelete', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } });
  });

  it('a template change bumps generation and templateGeneration; another spec change only generation; status and the annotation are the server’s', () => {
    emu.registry.create(dsDef(), NS, ds('gen'));
    let o = emu.registry.modify(dsDef(), NS, 'gen', (x) => {
      x.spec.template.spec.containers[0].image = 'nginx:1.26';
      x.status = { numberReady: 7 };
    }).object;
    expect(o.metadata.generation).toBe(2);
    expect(o.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    expect(o.status.numberReady).toBe(0);
    o = emu.registry.modify(dsDef(), NS, 'gen', (x) => {
      x.spec.minReadySeconds = 5;
      x.metadata.annotations['deprecated.daemonset.template.generation'] = '9';
    }).object;
    expect(o.metadata.generation).toBe(3);
    expect(o.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    // a write of the same template, undefaulted, is no template change
    o = emu.registry.modify(dsDef(), NS, 'gen', (x) => {
      delete x.spec.template.spec.containers[0].imagePullPolicy;
      delete x.spec.template.spec.dnsPolicy;
    }).object;
    expect(o.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    expect(o.metadata.generation).toBe(3);
    // a pointer field set to 0 is a template change
    o = emu.registry.modify(dsDef(), NS, 'gen', (x) => void (x.spec.template.spec.securityContext = { runAsUser: 0 })).object;
    expect(o.metadata.annotations['deprecated.daemonset.template.generation']).toBe('3');
    expect(o.metadata.generation).toBe(4);
  });

  it('the status subresource keeps the spec and refuses negative counts', () => {
    emu.registry.create(dsDef(), NS, ds('st'));
    const o = emu.registry.modify(
      dsDef(),
      NS,
      'st',
      (x) => {
        x.spec.minReadySeconds = 30;
        x.status = { ...x.status, desiredNumberScheduled: 3, numberReady: 2, observedGeneration: 1 };
      },
      { subresource: 'status' },
    ).object;
    expect(o.spec.minReadySeconds).toBeUndefined();
    expect(o.status.desiredNumberScheduled).toBe(3);
    expect(
      causesOf(() =>
        emu.registry.modify(dsDef(), NS, 'st', (x) => void (x.status.numberReady = -1), { subresource: 'status' }),
      ),
    ).toEqual(['status.numberReady: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('validation is worded as upstream', () => {
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v1', { selector: { matchLabels: { app: 'other' } } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"v1"}: `selector` does not match template `labels`',
    ]);
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v2', { selector: undefined })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"v2"}: `selector` does not match template `labels`',
    ]);
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v3', { selector: {} })))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    ]);
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v4', {}, { restartPolicy: 'Never', activeDeadlineSeconds: 5 })))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
    ]);
    expect(
      causesOf(() => emu.registry.create(dsDef(), NS, ds('v5', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } } }))),
    ).toEqual(['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero']);
    expect(
      causesOf(() => emu.registry.create(dsDef(), NS, ds('v6', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }))),
    ).toEqual(['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
    expect(
      causesOf(() => emu.registry.create(dsDef(), NS, ds('v7', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: -1 } } }))),
    ).toEqual([
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0',
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:-1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ]);
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v8', { updateStrategy: { type: 'Sometimes' } })))).toEqual([
      'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
    ]);
    expect(causesOf(() => emu.registry.create(dsDef(), NS, ds('v9', { minReadySeconds: -1, revisionHistoryLimit: -2 })))).toEqual([
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ]);
    // surge alone is fine
    expect(
      emu.registry.create(dsDef(), NS, ds('v10', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } } })).object.spec.updateStrategy
        .rollingUpdate,
    ).toEqual({ maxUnavailable: 0, maxSurge: '25%' });
  });

  it('the selector is immutable', () => {
    emu.registry.create(dsDef(), NS, ds('imm'));
    expect(
      causesOf(() =>
        emu.registry.modify(dsDef(), NS, 'imm', (x) => {
          x.spec.selector = { matchLabels: { app: 'imm', tier: 'x' } };
          x.spec.template.metadata.labels.tier = 'x';
        }),
      ),
    ).toEqual(['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"imm", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  });

  it('prints DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(daemonSetPrinter.columns.map((c) => c.name)).toEqual([
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(daemonSetPrinter.columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['Containers', 'Images', 'Selector']);
    const o = emu.registry.create(dsDef(), NS, ds('pr', {}, { nodeSelector: { 'kubernetes.io/os': 'linux' } })).object;
    o.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 };
    const now = Date.parse(o.metadata.creationTimestamp) + 65_000;
    expect(daemonSetPrinter.row(o, now)).toEqual(['pr', 3, 3, 2, 1, 2, 'kubernetes.io/os=linux', '65s', 'c', 'nginx:1.25', 'app=pr']);
  });
});
