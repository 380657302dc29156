// autoscaling/v2 HorizontalPodAutoscalers, and the same objects as autoscaling/v1
// (pkg/apis/autoscaling/v1/conversion.go): one stored object, one uid and resourceVersion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { openWatch, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' };

describe('autoscaling/v2 HorizontalPodAutoscaler', () => {
  it('defaults minReplicas and the CPU metric, resets status, keeps no generation', async () => {
    const body = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h1' }, spec: { scaleTargetRef: ref, maxReplicas: 3 }, status: { currentReplicas: 5 } };
    const h = (await api().post(V2).send(body).expect(201)).body;
    expect(h.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    expect(h.status).toEqual({ desiredReplicas: 0, currentMetrics: null });
    expect(h.metadata.generation).toBeUndefined();
  });

  it('fills a given behavior with the default rules', async () => {
    const body = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h2' }, spec: { scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
    const h = (await api().post(V2).send(body).expect(201)).body;
    expect(h.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('refuses invalid specs with upstream wording', async () => {
    const body = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad' }, spec: { scaleTargetRef: { kind: 'StatefulSet' }, minReplicas: 0, maxReplicas: 0 } };
    const r = await api().post(V2).send(body).expect(422);
    expect(r.body.message).toBe(
      'HorizontalPodAutoscaler.autoscaling "bad" is invalid: [spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.scaleTargetRef.name: Required value, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]',
    );
    const metric = { ...body, spec: { scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '-1' } } }] } };
    const r2 = await api().post(V2).send(metric).expect(422);
    expect(r2.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.metrics[0].pods.target.averageValue',
        message: 'Invalid value: resource.Quantity{i:resource.int64Amount{value:-1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"-1", Format:"DecimalSI"}: must be positive',
      },
    ]);
  });

  it('status is written only through the status subresource', async () => {
    const h = (await api().get(`${V2}/h1`).expect(200)).body;
    const put = (await api().put(`${V2}/h1`).send({ ...h, status: { currentReplicas: 2, desiredReplicas: 2 } }).expect(200)).body;
    expect(put.status).toEqual({ desiredReplicas: 0, currentMetrics: null });
    const st = (await api().put(`${V2}/h1/status`).send({ ...h, spec: { ...h.spec, maxReplicas: 9 }, status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: null } }).expect(200)).body;
    expect(st.status).toEqual({ currentReplicas: 2, desiredReplicas: 2, currentMetrics: null });
    expect(st.spec.maxReplicas).toBe(3);
  });
});

describe('autoscaling/v1 over autoscaling/v2', () => {
  it('a v1 create without a target gets the 80% CPU target, reads the same as v2', async () => {
    const body = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'v1a' }, spec: { scaleTargetRef: ref, maxReplicas: 4 } };
    const h = (await api().post(V1).send(body).expect(201)).body;
    expect(h).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 80 }, status: { currentReplicas: 0, desiredReplicas: 0 } });
    expect(h.metadata.annotations).toBeUndefined();
    const v2 = (await api().get(`${V2}/v1a`).expect(200)).body;
    expect(v2.metadata.uid).toBe(h.metadata.uid);
    expect(v2.metadata.resourceVersion).toBe(h.metadata.resourceVersion);
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  it('v2-only fields travel in the v1 annotations and come back', async () => {
    const body = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'rich', annotations: { keep: 'me' } },
      spec: {
        scaleTargetRef: ref,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        ],
        behavior: { scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } },
      },
    };
    await api().post(V2).send(body).expect(201);
    const v1 = (await api().get(`${V1}/rich`).expect(200)).body;
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(50);
    expect(v1.metadata.annotations).toEqual({
      'autoscaling.alpha.kubernetes.io/behavior':
        '{"ScaleUp":{"StabilizationWindowSeconds":30,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":2,"PeriodSeconds":60}],"Tolerance":null},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}',
      'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]',
      keep: 'me',
    });
    // a v1 update that keeps the annotations keeps the v2 fields (the CPU metric goes last)
    const put = (await api().put(`${V1}/rich`).send({ ...v1, spec: { ...v1.spec, maxReplicas: 6 } }).expect(200)).body;
    expect(put.spec.maxReplicas).toBe(6);
    const v2 = (await api().get(`${V2}/rich`).expect(200)).body;
    expect(v2.metadata.annotations).toEqual({ keep: 'me' });
    expect(v2.spec.metrics.map((m: any) => m.resource.name)).toEqual(['memory', 'cpu']);
    expect(v2.spec.behavior.scaleUp).toEqual({ stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] });
  });

  it('v1 validation speaks of the internal fields', async () => {
    const body = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'badv1' }, spec: { scaleTargetRef: ref, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } };
    const r = await api().post(V1).send(body).expect(422);
    expect(r.body.message).toBe('HorizontalPodAutoscaler.autoscaling "badv1" is invalid: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0');
  });

  it('lists and tables in both versions', async () => {
    const l1 = (await api().get(V1).expect(200)).body;
    const l2 = (await api().get(V2).expect(200)).body;
    expect(l1.items.map((i: any) => i.metadata.name)).toEqual(l2.items.map((i: any) => i.metadata.name));
    expect(l1.kind).toBe('HorizontalPodAutoscalerList');
    const t = (await api().get(`${V1}/rich`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(t.rows[0].cells.slice(0, 6)).toEqual(['rich', 'StatefulSet/web', 'memory: <unknown>/100Mi, cpu: <unknown>/50%', '1', 6, 0]);
  });

  it('a v1 merge patch and a v1 watch see the one stored object', async () => {
    const w = await openWatch(emu.url, `${V1}?watch=1&fieldSelector=metadata.name%3Dv1a`);
    try {
      const added = await w.next();
      expect(added.type).toBe('ADDED');
      expect(added.object).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 80 } });
      await api().patch(`${V2}/v1a`).set('Content-Type', 'application/merge-patch+json').send({ spec: { maxReplicas: 7 } }).expect(200);
      const modified = await w.next();
      expect(modified).toMatchObject({ type: 'MODIFIED', object: { apiVersion: 'autoscaling/v1', spec: { maxReplicas: 7 } } });
    } finally {
      w.close();
    }
    const p = (await api().patch(`${V1}/v1a`).set('Content-Type', 'application/merge-patch+json').send({ spec: { targetCPUUtilizationPercentage: 60 } }).expect(200)).body;
    expect(p.spec).toMatchObject({ maxReplicas: 7, targetCPUUtilizationPercentage: 60 });
    const v2 = (await api().get(`${V2}/v1a`).expect(200)).body;
    expect(v2.spec.metrics[0].resource.target.averageUtilization).toBe(60);
  });

  it('discovery lists v2 as preferred and v1 as served', async () => {
    const g = (await api().get('/apis/autoscaling').expect(200)).body;
    expect(g.versions).toEqual([
      { groupVersion: 'autoscaling/v2', version: 'v2' },
      { groupVersion: 'autoscaling/v1', version: 'v1' },
    ]);
    expect(g.preferredVersion).toEqual({ groupVersion: 'autoscaling/v2', version: 'v2' });
    const rl = (await api().get('/apis/autoscaling/v1').expect(200)).body;
    expect(rl.resources.map((r: any) => r.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    // one storage (autoscaling/v2): one storageVersionHash for both versions
    const rl2 = (await api().get('/apis/autoscaling/v2').expect(200)).body;
    expect(rl.resources[0].storageVersionHash).toBe(rl2.resources[0].storageVersionHash);
  });
});
