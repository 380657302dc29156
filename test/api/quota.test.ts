// ResourceQuota and LimitRanger refusals over HTTP: the 403 Status body upstream's
// admission.NewForbidden answers, and a dry run that is checked but not charged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { until } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const NS = '/api/v1/namespaces/qapi';
const pod = (name: string, resources?: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }] },
});

beforeAll(async () => {
  emu = await startServer({ controllers: ['resourcequota'] });
  await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'qapi' } }).expect(201);
  await api().post(`${NS}/resourcequotas`).send({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '1' } } }).expect(201);
  await until(async () => !!(await api().get(`${NS}/resourcequotas/q`)).body.status?.used, 3000, 'quota status');
});
afterAll(async () => {
  await emu.close();
});

describe('quota and limit refusals over HTTP', () => {
  it('answers the Forbidden Status; a dry run is checked but charges nothing', async () => {
    await api().post(`${NS}/pods?dryRun=All`).send(pod('dry')).expect(201);
    expect((await api().get(`${NS}/resourcequotas/q`)).body.status.used).toEqual({ pods: '0' });
    await api().post(`${NS}/pods`).send(pod('p1')).expect(201);
    const res = await api().post(`${NS}/pods`).send(pod('p2')).expect(403);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "p2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
      reason: 'Forbidden',
      details: { name: 'p2', kind: 'pods' },
      code: 403,
    });
    const dry = await api().post(`${NS}/pods?dryRun=All`).send(pod('p3')).expect(403);
    expect(dry.body.message).toBe('pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
  });

  it('a LimitRanger refusal is a Forbidden Status too', async () => {
    await api()
      .post(`${NS}/limitranges`)
      .send({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' } }] } })
      .expect(201);
    const res = await api().post(`${NS}/pods`).send(pod('big', { limits: { memory: '2Gi' } })).expect(403);
    expect(res.body).toMatchObject({
      reason: 'Forbidden',
      message: 'pods "big" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi.',
      details: { name: 'big', kind: 'pods' },
    });
  });
});
