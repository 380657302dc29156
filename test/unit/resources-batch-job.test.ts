// batch/v1 Job as the API server serves it (no controllers): 1.33 defaults, the generated
// selector and labels, validation with upstream's words, update rules, status validation,
// warnings and the table printer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { jobDef, jobPrinter, validateIndexesFormat } from '../../src/resources/batch/job.js';
import { printerForVersion } from '../../src/printers/index.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
beforeAll(async () => {
  emu = await startServer();
});
afterAll(async () => {
  await emu.close();
});

const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const causes = (res: request.Response) => res.body.details?.causes?.map((c: any) => `${c.field}: ${c.message}`);
const MERGE = 'application/merge-patch+json';

function job(name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...meta },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'busybox', command: ['echo', 'hi'] }] } }, ...spec },
  };
}

describe('Job discovery', () => {
  it('is batch/v1 jobs with a status subresource, category all, no short name', async () => {
    const res = (await api().get('/apis/batch/v1').expect(200)).body;
    const names = res.resources.map((r: any) => r.name);
    expect(names).toContain('jobs');
    expect(names).toContain('jobs/status');
    const jobs = res.resources.find((r: any) => r.name === 'jobs');
    expect(jobs).toMatchObject({ kind: 'Job', namespaced: true, singularName: 'job', categories: ['all'] });
    expect(jobs.shortNames).toBeUndefined();
    const groups = (await api().get('/apis').expect(200)).body.groups.map((g: any) => g.name);
    expect(groups.indexOf('batch')).toBeGreaterThan(groups.indexOf('autoscaling'));
    expect(groups.indexOf('batch')).toBeLessThan(groups.indexOf('networking.k8s.io'));
  });
});

describe('Job defaults and the generated selector', () => {
  it('fills in the 1.33 defaults, the four labels, the selector and copies the labels to the Job', async () => {
    const j = (await api().post(JOBS).send(job('pi')).expect(201)).body;
    const uid = j.metadata.uid;
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    });
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    expect(j.spec.template.metadata.labels).toEqual(labels);
    expect(j.metadata.labels).toEqual(labels);
    expect(j.metadata.generation).toBe(1);
    expect(j.status).toEqual({});
    expect(j.spec.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
  });

  it('parallelism alone leaves completions unset; backoffLimitPerIndex makes backoffLimit MaxInt32', async () => {
    const j = (await api().post(JOBS).send(job('work-queue', { parallelism: 3 })).expect(201)).body;
    expect(j.spec.completions).toBeUndefined();
    expect(j.spec.parallelism).toBe(3);
    const k = (await api().post(JOBS).send(job('per-index', { completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 })).expect(201)).body;
    expect(k.spec.backoffLimit).toBe(2147483647);
  });

  it('a podFailurePolicy makes podReplacementPolicy Failed and defaults pattern statuses to True', async () => {
    const j = (
      await api()
        .post(JOBS)
        .send(job('pfp', { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }))
        .expect(201)
    ).body;
    expect(j.spec.podReplacementPolicy).toBe('Failed');
    expect(j.spec.podFailurePolicy.rules[0].onPodConditions[0].status).toBe('True');
  });

  it('keeps user labels on the Job; a manual selector generates nothing', async () => {
    const j = (await api().post(JOBS).send(job('labelled', {}, { labels: { team: 'a' } })).expect(201)).body;
    expect(j.metadata.labels).toEqual({ team: 'a' });
    const m = (
      await api()
        .post(JOBS)
        .send(job('manual', { manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } }))
        .expect(201)
    ).body;
    expect(m.spec.template.metadata.labels).toEqual({ app: 'x' });
    expect(m.spec.selector).toEqual({ matchLabels: { app: 'x' } });
  });
});

describe('Job validation (upstream wording)', () => {
  it('restartPolicy must be OnFailure or Never', async () => {
    let res = await api()
      .post(JOBS)
      .send({ ...job('always'), spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } })
      .expect(422);
    expect(causes(res)).toEqual(['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    res = await api()
      .post(JOBS)
      .send(job('pfp-onfailure', { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] }, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } }))
      .expect(422);
    expect(causes(res)).toEqual(['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']);
  });

  it('negative counts, Indexed without completions, per-index fields on NonIndexed', async () => {
    let res = await api().post(JOBS).send(job('neg', { parallelism: -1, backoffLimit: -2, activeDeadlineSeconds: -3 })).expect(422);
    expect(causes(res)).toEqual([
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
    ]);
    res = await api().post(JOBS).send(job('idx', { completionMode: 'Indexed', parallelism: 2 })).expect(422);
    expect(causes(res)).toEqual(['spec.completions: Required value: when completion mode is Indexed']);
    res = await api().post(JOBS).send(job('nonidx', { backoffLimitPerIndex: 1, maxFailedIndexes: 1 })).expect(422);
    expect(causes(res)).toEqual([
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    ]);
    res = await api().post(JOBS).send(job('mode', { completionMode: 'Sometimes' })).expect(422);
    expect(causes(res)).toEqual(['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']);
  });

  it('an Indexed Job name must leave room for the index in the hostname', async () => {
    const name = 'a'.repeat(62);
    const res = await api().post(JOBS).send(job(name, { completionMode: 'Indexed', completions: 10 })).expect(422);
    expect(causes(res)).toEqual([`metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-9`]);
  });

  it('pod failure policy rules', async () => {
    const res = await api()
      .post(JOBS)
      .send(
        job('rules', {
          podFailurePolicy: {
            rules: [
              { action: 'FailIndex', onExitCodes: { operator: 'In', values: [0, 3, 2, 2] } },
              { action: 'Explode', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
              { action: 'Ignore' },
              { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1], containerName: 'nope' } },
            ],
          },
        }),
      )
      .expect(422);
    expect(causes(res)).toEqual([
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 2',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 3, 2, 2}: must be ordered',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[1].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'spec.podFailurePolicy.rules[2]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
      'spec.podFailurePolicy.rules[3].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
    ]);
  });

  it('success policy needs Indexed and valid rules', async () => {
    let res = await api()
      .post(JOBS)
      .send(job('sp-nonidx', { successPolicy: { rules: [{ succeededCount: 1 }] } }))
      .expect(422);
    expect(causes(res)).toEqual(['spec.successPolicy: Invalid value: batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule{batch.SuccessPolicyRule{SucceededIndexes:(*string)(nil), SucceededCount:(*int32)(1)}}}: requires indexed completion mode']);
    res = await api()
      .post(JOBS)
      .send(job('sp', { completionMode: 'Indexed', completions: 3, successPolicy: { rules: [{}, { succeededIndexes: '0-1,5' }, { succeededIndexes: '0-1', succeededCount: 3 }] } }))
      .expect(422);
    expect(causes(res)).toEqual([
      'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
      'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "0-1,5": error parsing succeededIndexes: too large index: "5"',
      'spec.successPolicy.rules[2].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
    ]);
  });

  it('a generated selector must not be overridden; a manual selector must match the template', async () => {
    let res = await api()
      .post(JOBS)
      .send(job('wrong-uid', { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } } }))
      .expect(422);
    expect(causes(res)?.some((c: string) => c.startsWith('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"other"}') && c.endsWith('`selector` not auto-generated'))).toBe(true);
    res = await api()
      .post(JOBS)
      .send(job('manual-mismatch', { manualSelector: true, selector: { matchLabels: { app: 'x' } } }))
      .expect(422);
    expect(causes(res)).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`']);
  });
});

describe('Job updates', () => {
  it('completions and the template are immutable; parallelism changes and bumps the generation', async () => {
    await api().post(JOBS).send(job('upd', { completions: 3, parallelism: 1 })).expect(201);
    let res = await api().patch(`${JOBS}/upd`).set('Content-Type', MERGE).send({ spec: { completions: 4 } }).expect(422);
    expect(causes(res)).toEqual(['spec.completions: Invalid value: 4: field is immutable']);
    res = await api()
      .patch(`${JOBS}/upd`)
      .set('Content-Type', MERGE)
      .send({ spec: { template: { spec: { containers: [{ name: 'pi', image: 'busybox:2' }] } } } })
      .expect(422);
    expect(causes(res)?.[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
    const ok = (await api().patch(`${JOBS}/upd`).set('Content-Type', MERGE).send({ spec: { parallelism: 3 } }).expect(200)).body;
    expect(ok.metadata.generation).toBe(2);
    res = await api().patch(`${JOBS}/upd`).set('Content-Type', MERGE).send({ spec: { completionMode: 'Indexed' } }).expect(422);
    expect(causes(res)).toContain('spec.completionMode: Invalid value: "Indexed": field is immutable');
  });

  it('an Indexed Job scales completions only in tandem with parallelism', async () => {
    await api().post(JOBS).send(job('elastic', { completionMode: 'Indexed', completions: 3, parallelism: 3 })).expect(201);
    let res = await api().patch(`${JOBS}/elastic`).set('Content-Type', MERGE).send({ spec: { completions: 5 } }).expect(422);
    expect(causes(res)).toEqual(['spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism']);
    res = await api().patch(`${JOBS}/elastic`).set('Content-Type', MERGE).send({ spec: { completions: 5, parallelism: 5 } }).expect(200);
    expect(res.body.spec.completions).toBe(5);
  });

  it('a suspended Job that never started may change its scheduling directives, not its image', async () => {
    await api().post(JOBS).send(job('susp', { suspend: true })).expect(201);
    await api()
      .patch(`${JOBS}/susp`)
      .set('Content-Type', MERGE)
      .send({ spec: { template: { metadata: { annotations: { a: 'b' } }, spec: { nodeSelector: { disk: 'ssd' } } } } })
      .expect(200);
    const res = await api()
      .patch(`${JOBS}/susp`)
      .set('Content-Type', MERGE)
      .send({ spec: { template: { spec: { containers: [{ name: 'pi', image: 'other' }] } } } })
      .expect(422);
    expect(causes(res)?.[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('status writes keep the spec and check the transitions', async () => {
    const j = (await api().post(JOBS).send(job('st')).expect(201)).body;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    let res = await api()
      .patch(`${JOBS}/st/status`)
      .set('Content-Type', MERGE)
      .send({ spec: { parallelism: 9 }, status: { active: 1, startTime: now } })
      .expect(200);
    expect(res.body.spec.parallelism).toBe(1);
    expect(res.body.status).toMatchObject({ active: 1, startTime: now });
    res = await api()
      .patch(`${JOBS}/st/status`)
      .set('Content-Type', MERGE)
      .send({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })
      .expect(422);
    expect(causes(res)).toEqual([
      'status.completionTime: Required value: completionTime is required for Complete jobs',
      'status.conditions: Invalid value: cannot set Complete=True condition without the SuccessCriteriaMet=true condition',
      'status.active: Invalid value: 1: active>0 is invalid for finished job',
    ]);
    res = await api().patch(`${JOBS}/st/status`).set('Content-Type', MERGE).send({ status: { completedIndexes: '1' } }).expect(422);
    expect(causes(res)).toEqual([
      'status.completedIndexes: Invalid value: "1": error parsing completedIndexes: too large index: "1"',
      'status.completedIndexes: Invalid value: "1": cannot set non-empty completedIndexes when non-indexed completion mode',
    ]);
    expect(j.metadata.uid).toBeTruthy();
  });

  it('startTime may not change on a running Job, but may when it is resumed', async () => {
    await api().post(JOBS).send(job('start')).expect(201);
    await api().patch(`${JOBS}/start/status`).set('Content-Type', MERGE).send({ status: { startTime: '2026-01-01T00:00:00Z' } }).expect(200);
    const res = await api().patch(`${JOBS}/start/status`).set('Content-Type', MERGE).send({ status: { startTime: '2026-01-01T00:01:00Z' } }).expect(422);
    expect(causes(res)).toEqual(['status.startTime: Required value: startTime cannot be removed for unsuspended job']);
    await api()
      .patch(`${JOBS}/start/status`)
      .set('Content-Type', MERGE)
      .send({ status: { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }] } })
      .expect(200);
    await api().patch(`${JOBS}/start/status`).set('Content-Type', MERGE).send({ status: { startTime: '2026-01-01T00:02:00Z' } }).expect(200);
  });

  it('a Job name that is not a DNS label is accepted with a warning', async () => {
    const res = await api().post(JOBS).send(job('a.b')).expect(201);
    expect(String(res.headers.warning)).toContain('metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended:');
  });

  it('delete orphans the pods by default (batch/v1 DefaultGarbageCollectionPolicy)', () => {
    expect(jobDef.defaultDeletePolicy).toBe('Orphan');
  });
});

describe('Job printer', () => {
  const base = { metadata: { name: 'pi', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { completions: 5, parallelism: 2, template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } }, selector: { matchLabels: { a: 'b' } } } };
  const now = Date.parse('2026-01-01T00:05:00Z');
  it('NAME STATUS COMPLETIONS DURATION AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(jobPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Status', 0],
      ['Completions', 0],
      ['Duration', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    expect(jobPrinter.row({ ...base, status: { succeeded: 2, startTime: '2026-01-01T00:01:00Z' } }, now)).toEqual(['pi', 'Running', '2/5', '4m', '5m', 'pi', 'perl', 'a=b']);
    const done = { ...base, status: { succeeded: 5, startTime: '2026-01-01T00:01:00Z', completionTime: '2026-01-01T00:01:12Z', conditions: [{ type: 'Complete', status: 'True' }] } };
    expect(jobPrinter.row(done, now).slice(1, 4)).toEqual(['Complete', '5/5', '12s']);
    const wq = { ...base, spec: { ...base.spec, completions: undefined, parallelism: 3 } };
    expect(jobPrinter.row(wq, now).slice(1, 4)).toEqual(['Running', '0/1 of 3', '']);
    expect(jobPrinter.row({ ...base, status: { conditions: [{ type: 'Suspended', status: 'True' }] } }, now)[1]).toBe('Suspended');
    expect(jobPrinter.row({ ...base, status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }, now)[1]).toBe('FailureTarget');
  });
  it('before 1.30 there is no Status column', () => {
    const p = printerForVersion(jobPrinter, 29);
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  });
  it('parses index sets as upstream', () => {
    expect(validateIndexesFormat('0-2,4', 5)).toEqual({ total: 4 });
    expect(validateIndexesFormat('2,1', 5)).toEqual({ error: 'non-increasing order, previous: 2, current: 1' });
    expect(validateIndexesFormat('1-2-3', 5)).toEqual({ error: `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'` });
  });
});
