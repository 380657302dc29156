// batch/v1 CronJob through the API: defaults (SetDefaults_CronJob + the pod template), the
// strategy (status reset, generation), validation worded as pkg/apis/batch/validation, the printer,
// and the robfig/cron v3 schedule grammar the validation and the controller share.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from '../api/util.js';
import { parseStandard, parseGoDuration } from '../../src/controllers/cronjob/schedule.js';
import { cronJobPrinter } from '../../src/resources/batch/cronjob.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CJ = '/apis/batch/v1/namespaces/default/cronjobs';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const cronJob = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['echo', 'hi'] }] } } } },
    ...spec,
  },
});

const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

describe('CronJob defaults and strategy', () => {
  it('defaults concurrencyPolicy, suspend, history limits and the pod template; resets status', async () => {
    const body = { ...cronJob('d1'), status: { lastScheduleTime: '2020-01-01T00:00:00Z' } };
    const cj = (await api().post(CJ).send(body).expect(201)).body;
    expect(cj.spec.concurrencyPolicy).toBe('Allow');
    expect(cj.spec.suspend).toBe(false);
    expect(cj.spec.successfulJobsHistoryLimit).toBe(3);
    expect(cj.spec.failedJobsHistoryLimit).toBe(1);
    expect(cj.spec.jobTemplate.metadata).toEqual({ creationTimestamp: null });
    const pod = cj.spec.jobTemplate.spec.template;
    expect(pod.metadata).toEqual({ creationTimestamp: null });
    expect(pod.spec.dnsPolicy).toBe('ClusterFirst');
    expect(pod.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(pod.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    // SetDefaults_Job does not run on a template
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.completions).toBeUndefined();
    expect(cj.status).toEqual({});
    expect(cj.metadata.generation).toBe(1);
  });

  it('keeps status on a spec update and bumps generation; the status subresource keeps spec', async () => {
    const cj = (await api().post(CJ).send(cronJob('d2')).expect(201)).body;
    cj.spec.schedule = '@hourly';
    cj.status = { lastScheduleTime: '2020-01-01T00:00:00Z' };
    const up = (await api().put(`${CJ}/d2`).send(cj).expect(200)).body;
    expect(up.spec.schedule).toBe('@hourly');
    expect(up.status).toEqual({});
    expect(up.metadata.generation).toBe(2);
    up.status = { lastScheduleTime: '2020-01-01T00:00:00Z', active: [{ kind: 'Job', name: 'x', namespace: 'default' }] };
    up.spec.schedule = '@daily';
    const st = (await api().put(`${CJ}/d2/status`).send(up).expect(200)).body;
    expect(st.status.lastScheduleTime).toBe('2020-01-01T00:00:00Z');
    expect(st.spec.schedule).toBe('@hourly');
    expect(st.metadata.generation).toBe(2);
  });
});

describe('CronJob validation', () => {
  const refused = async (name: string, spec: Record<string, unknown>) => {
    const res = await api().post(CJ).send(cronJob(name, spec)).expect(422);
    return res.body;
  };

  it('refuses unparseable schedules with robfig wording', async () => {
    const b = await refused('v1', { schedule: '* * * *' });
    expect(b.message).toBe('CronJob.batch "v1" is invalid: spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]');
    expect(causes(await refused('v2', { schedule: '0 0 * * 7' }))).toEqual(['spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7']);
    expect(causes(await refused('v3', { schedule: '@fortnightly' }))).toEqual(['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']);
    expect(causes(await refused('v4', { schedule: 'x * * * *' }))).toEqual(['spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax']);
    expect(causes(await refused('v5', { schedule: '' }))).toEqual(['spec.schedule: Required value']);
  });

  it('refuses TZ and CRON_TZ in the schedule', async () => {
    expect(causes(await refused('t1', { schedule: 'TZ=UTC 0 0 * * *' }))).toEqual(['spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    expect(causes(await refused('t2', { schedule: 'CRON_TZ=Nowhere/City 0 0 * * *' }))).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=Nowhere/City 0 0 * * *": provided bad location Nowhere/City: unknown time zone Nowhere/City',
      'spec.schedule: Invalid value: "CRON_TZ=Nowhere/City 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });

  it('checks timeZone', async () => {
    expect(causes(await refused('z1', { timeZone: 'Mars/Olympus' }))).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    expect(causes(await refused('z2', { timeZone: '' }))).toEqual(['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
    expect(causes(await refused('z3', { timeZone: 'Local' }))).toEqual(['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
    expect(causes(await refused('z4', { timeZone: '../etc/passwd' }))).toEqual(['spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd']);
    expect(causes(await refused('z5', { timeZone: 'america/new_york' }))).toEqual(['spec.timeZone: Invalid value: "america/new_york": unknown time zone america/new_york']);
    const ok = (await api().post(CJ).send(cronJob('z6', { timeZone: 'Europe/Paris' })).expect(201)).body;
    expect(ok.spec.timeZone).toBe('Europe/Paris');
  });

  it('checks policies, limits, the job template and the name length', async () => {
    expect(causes(await refused('p1', { concurrencyPolicy: 'Sometimes', startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }))).toEqual([
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ]);
    const tpl = { spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox' }] } } } };
    expect(causes(await refused('p2', { jobTemplate: tpl }))).toContainEqual(expect.stringMatching(/^spec\.jobTemplate\.spec\.template\.spec\.restartPolicy: .*"OnFailure", "Never"/));
    const sel = { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } };
    expect(causes(await refused('p3', { jobTemplate: sel }))).toContain('spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated');
    const res = await api().post(CJ).send(cronJob('dotted.name')).expect(201);
    expect(res.headers.warning).toContain('metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended');
    const long = 'a'.repeat(53);
    expect(causes(await refused(long, {}))).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
    await api().post(CJ).send(cronJob('a'.repeat(52))).expect(201);
  });
});

describe('CronJob printer', () => {
  it('prints NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(cronJobPrinter.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const now = Date.parse('2026-01-01T00:10:00Z');
    const cj = {
      metadata: { name: 'c', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
      status: { active: [{ name: 'c-1' }], lastScheduleTime: '2026-01-01T00:09:00Z' },
    };
    expect(cronJobPrinter.row(cj, now)).toEqual(['c', '*/1 * * * *', '<none>', 'False', 1, '60s', '10m', 'c', 'busybox', '<none>']);
    expect(cronJobPrinter.row({ metadata: { name: 'x' }, spec: { schedule: '@daily', timeZone: 'Europe/Paris' } }, now).slice(0, 6)).toEqual(['x', '@daily', 'Europe/Paris', '<unset>', 0, '<none>']);
  });
});

describe('schedule (robfig/cron v3 ParseStandard)', () => {
  const times = (spec: string, from: string, n: number) => {
    const s = parseStandard(spec);
    const out: string[] = [];
    let t = Date.parse(from);
    for (let i = 0; i < n; i++) {
      const x = s.next(t);
      if (x === null) break;
      out.push(new Date(x).toISOString().slice(0, 16));
      t = x;
    }
    return out;
  };
  it('ANDs day-of-month and day-of-week when either is starred, ORs them otherwise', () => {
    // 2026-12-02 is a Wednesday
    expect(times('0 0 * * 1', '2026-12-02T00:00:00Z', 2)).toEqual(['2026-12-07T00:00', '2026-12-14T00:00']);
    expect(times('0 0 1-31 * 1', '2026-12-02T00:00:00Z', 2)).toEqual(['2026-12-03T00:00', '2026-12-04T00:00']);
    expect(times('0 0 */10 * 1', '2026-12-02T00:00:00Z', 3)).toEqual(['2026-12-07T00:00', '2026-12-11T00:00', '2026-12-14T00:00']);
    expect(times('0 0 ? * mon', '2026-12-02T00:00:00Z', 1)).toEqual(['2026-12-07T00:00']);
  });
  it('knows the descriptors and @every', () => {
    expect(times('@hourly', '2026-12-02T05:47:00Z', 2)).toEqual(['2026-12-02T06:00', '2026-12-02T07:00']);
    expect(times('@yearly', '2026-12-02T05:47:00Z', 1)).toEqual(['2027-01-01T00:00']);
    expect(times('@annually', '2026-12-02T05:47:00Z', 1)).toEqual(['2027-01-01T00:00']);
    expect(times('@monthly', '2026-12-02T05:47:00Z', 1)).toEqual(['2027-01-01T00:00']);
    expect(times('@weekly', '2026-12-02T05:47:00Z', 1)).toEqual(['2026-12-06T00:00']);
    expect(times('@midnight', '2026-12-02T05:47:00Z', 1)).toEqual(['2026-12-03T00:00']);
    expect(times('@every 90m', '2026-12-02T05:47:00Z', 2)).toEqual(['2026-12-02T07:17', '2026-12-02T08:47']);
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(() => parseStandard('@every 5')).toThrow('failed to parse duration @every 5: time: missing unit in duration "5"');
  });
  it('follows robfig across daylight-saving changes: a skipped time does not fire, a repeated one fires twice', () => {
    expect(times('TZ=America/New_York 30 2 * * *', '2026-03-07T00:00:00Z', 2)).toEqual(['2026-03-07T07:30', '2026-03-09T06:30']);
    expect(times('TZ=America/New_York 30 1 * * *', '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30', '2026-11-01T06:30', '2026-11-02T06:30']);
  });
  it('finds no time for a day no month has', () => {
    expect(parseStandard('0 0 30 2 *').next(Date.parse('2026-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('schedule: cron-parser with robfig semantics agrees with a minute-by-minute walk', () => {
  // a deterministic pseudo-random source
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const field = (min: number, max: number, names?: string[]) => {
    switch (rnd(6)) {
      case 0:
        return '*';
      case 1:
        return `*/${1 + rnd(Math.min(12, max - min + 1))}`;
      case 2: {
        const a = min + rnd(max - min + 1);
        return `${a}-${a + rnd(max - a + 1)}`;
      }
      case 3:
        return names ? names[rnd(names.length)] : String(min + rnd(max - min + 1));
      case 4:
        return `${min + rnd(max - min + 1)},${min + rnd(max - min + 1)}`;
      default:
        return `${min + rnd(max - min + 1)}/${1 + rnd(5)}`;
    }
  };
  const walk = (s: ReturnType<typeof parseStandard>, from: number, limitMin: number) => {
    const m = s as unknown as { matches(ms: number): boolean };
    for (let t = Math.floor(from / MINUTE) * MINUTE + MINUTE, i = 0; i < limitMin; t += MINUTE, i++) if (m.matches(t)) return t;
    return undefined;
  };
  const MINUTE = 60_000;

  it('in UTC, for random schedules', () => {
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const spec = [field(0, 59), field(0, 23), rnd(3) ? '*' : field(1, 31), rnd(3) ? '*' : field(1, 12, ['jan', 'JUN', 'dec']), field(0, 6, ['mon', 'Sun', 'sat'])].join(' ');
      const s = parseStandard(spec);
      let t = Date.parse('2026-02-20T13:07:00Z') + rnd(10_000_000);
      for (let k = 0; k < 3; k++) {
        const want = walk(s, t, 62 * 24 * 60);
        if (want === undefined) break;
        expect(new Date(s.next(t)!).toISOString(), `${spec} after ${new Date(t).toISOString()}`).toBe(new Date(want).toISOString());
        compared++;
        t = want;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('across daylight-saving changes in New York and Sydney', () => {
    const starts = ['2026-03-08T04:00:00Z', '2026-11-01T03:30:00Z', '2026-04-04T13:00:00Z', '2026-10-03T14:00:00Z'];
    for (const tz of ['America/New_York', 'Australia/Sydney'])
      for (const from of starts)
        for (const spec of ['30 2 * * *', '0 1 * * *', '*/20 * * * *', '15 1-3 * * *', '0 * * * *', '45 2 * * 0'] as const) {
          const s = parseStandard(`TZ=${tz} ${spec}`);
          let t = Date.parse(from);
          for (let k = 0; k < 4; k++) {
            const want = walk(s, t, 3 * 24 * 60);
            if (want === undefined) break;
            expect(new Date(s.next(t)!).toISOString(), `${tz} ${spec} after ${new Date(t).toISOString()}`).toBe(new Date(want).toISOString());
            t = want;
          }
        }
  });
});
