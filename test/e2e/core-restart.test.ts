// E2E: a server on a data directory keeps what kubectl created across a restart: the same
// objects, uids and resourceVersions, and new writes continue above the old resourceVersions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type KubeEmulator } from '../../src/server/app.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { AGE, PV_HEADER, PV_YAML, STS_YAML, lines, parseTable, CORE_ONLY } from './fixtures/util.js';

const KINDS = 'ns,pv,svc,sts,pods,configmaps,serviceaccounts';

/** kind/namespace/name -> uid@resourceVersion of everything kubectl lists across namespaces. */
async function snapshot(k: Kubectl): Promise<Record<string, string>> {
  const list = JSON.parse(await k.ok(['get', KINDS, '-A', '-o', 'json']));
  const out: Record<string, string> = {};
  for (const o of list.items) out[`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = `${o.metadata.uid}@${o.metadata.resourceVersion}`;
  return out;
}

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: restart on the same --data-dir', ({ bin }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-restart-'));
  const start = () => createServer({ dataDir, inMemory: false, port: 0, logLevel: 'silent', ...CORE_ONLY , security: { open: true } });
  let srv: KubeEmulator | undefined;
  afterAll(async () => {
    await srv?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('objects and their resourceVersions survive a restart', async () => {
    srv = await start();
    let k = new Kubectl(bin, srv.url);
    await k.ok(['create', '-f', PV_YAML]);
    await k.ok(['create', '-f', STS_YAML]);
    await k.ok(['run', 'solo', '--image=nginx', '-n', 'sts', '--labels=app=solo']);
    await k.ok(['label', 'pv', 'sts-pv-v1', 'extra=yes']);
    await k.ok(['delete', 'pv', 'sts-pv-v6', '--wait=false']);
    const before = await snapshot(k);
    const maxRV = Math.max(...Object.values(before).map((v) => Number(v.split('@')[1])));
    expect(Object.keys(before)).toContain('StatefulSet/sts/sts-pod-contoller');
    await srv.close();

    srv = await start();
    k = new Kubectl(bin, srv.url);
    expect(await snapshot(k)).toEqual(before);

    const t = parseTable(await k.ok(['get', 'pv', '--show-labels']));
    expect(t.header).toEqual([...PV_HEADER, 'LABELS']);
    expect(t.rows.map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `sts-pv-v${i}`));
    // the pv-protection finalizer holds the deleted PV (no controller runs here): still Terminating
    expect(t.rows[6][4]).toBe('Terminating');
    expect(t.rows[1]).toEqual(['sts-pv-v1', '5G', 'RWO', 'Retain', 'Pending', '', '', '<unset>', '', expect.stringMatching(AGE), 'contorller=statefulset,extra=yes']);
    expect(parseTable(await k.ok(['get', 'sts', '-n', 'sts'])).rows).toEqual([['sts-pod-contoller', '0/2', expect.stringMatching(AGE)]]);
    expect(parseTable(await k.ok(['get', 'pods', '-n', 'sts', '-l', 'app=solo'])).rows.map((r) => r[0])).toEqual(['solo']);

    // new writes go on from the old revision; names stay taken
    await k.ok(['create', 'ns', 'after']);
    const rv = Number(await k.ok(['get', 'ns', 'after', '-o', 'jsonpath={.metadata.resourceVersion}']));
    expect(rv).toBeGreaterThan(maxRV);
    const dup = await k.run(['create', '-f', STS_YAML]);
    expect(lines(dup.stderr)).toEqual([
      `Error from server (AlreadyExists): error when creating "${STS_YAML}": services "sts-service" already exists`,
      `Error from server (AlreadyExists): error when creating "${STS_YAML}": statefulsets.apps "sts-pod-contoller" already exists`,
    ]);
  });
});
