// E2E: kubectl delete with --cascade=foreground|orphan|background and user finalizers, observed
// without a garbage collector (controllers off), and --dry-run=server on the write verbs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { poll } from './fixtures/util.js';
import { getJSON, stsIn, writeManifest } from './fixtures/writes/util.js';

const STS = 'sts-pod-contoller';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: delete', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const gone = async (args: string[]) => (await k.run(['get', ...args])).stderr.includes('(NotFound)');
  beforeAll(async () => {
    srv = await startServer({ controllers: [] });
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('--cascade=foreground: foregroundDeletion finalizer, deletionTimestamp, generation bump; the object stays', async () => {
    await k.ok(['create', 'ns', 'fg']);
    await k.ok(['apply', '-f', writeManifest(`fg-${minor}.yaml`, stsIn('fg'))]);
    const before = await getJSON(k, ['sts', STS, '-n', 'fg']);
    expect(await k.ok(['delete', 'sts', STS, '-n', 'fg', '--cascade=foreground', '--wait=false'])).toBe(`statefulset.apps "${STS}" deleted\n`);
    const after = await getJSON(k, ['sts', STS, '-n', 'fg']);
    expect(after.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(after.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(after.metadata.deletionGracePeriodSeconds).toBe(0);
    // rest/delete.go markAsDeleting: the generation moves when deletionTimestamp is first set
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    // a second delete changes nothing more
    await k.ok(['delete', 'sts', STS, '-n', 'fg', '--cascade=foreground', '--wait=false']);
    const again = await getJSON(k, ['sts', STS, '-n', 'fg']);
    expect(again.metadata.generation).toBe(after.metadata.generation);
    expect(again.metadata.deletionTimestamp).toBe(after.metadata.deletionTimestamp);
    // what the GC would do: drop the finalizer; the object then goes
    expect(await k.ok(['patch', 'sts', STS, '-n', 'fg', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}'])).toBe(`statefulset.apps/${STS} patched\n`);
    await poll(() => gone(['sts', STS, '-n', 'fg']), 'the StatefulSet to go');
  });

  it('--cascade=orphan: the orphan finalizer', async () => {
    await k.ok(['create', 'configmap', 'or', '-n', 'default']);
    expect(await k.ok(['delete', 'cm', 'or', '--cascade=orphan', '--wait=false'])).toBe('configmap "or" deleted\n');
    const cm = await getJSON(k, ['cm', 'or']);
    expect(cm.metadata.finalizers).toEqual(['orphan']);
    expect(cm.metadata.deletionTimestamp).toMatch(/Z$/);
    await k.ok(['patch', 'cm', 'or', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    await poll(() => gone(['cm', 'or']), 'the ConfigMap to go');
  });

  it('--cascade=background (the default) deletes at once; a user finalizer holds the object until removed', async () => {
    await k.ok(['create', 'configmap', 'bg']);
    expect(await k.ok(['delete', 'cm', 'bg', '--cascade=background'])).toBe('configmap "bg" deleted\n');
    expect(await gone(['cm', 'bg'])).toBe(true);

    await k.ok(['create', 'ns', 'fin']);
    await k.ok(['apply', '-f', writeManifest(`fin-${minor}.yaml`, stsIn('fin'))]);
    await k.ok(['patch', 'sts', STS, '-n', 'fin', '--type', 'merge', '-p', '{"metadata":{"finalizers":["example.com/keep"]}}']);
    const before = await getJSON(k, ['sts', STS, '-n', 'fin']);
    for (const cascade of ['background', 'foreground', 'orphan']) {
      expect(await k.ok(['delete', 'sts', STS, '-n', 'fin', `--cascade=${cascade}`, '--wait=false'])).toBe(`statefulset.apps "${STS}" deleted\n`);
    }
    const held = await getJSON(k, ['sts', STS, '-n', 'fin']);
    expect(held.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(held.metadata.generation).toBe(before.metadata.generation + 1);
    // upstream keeps the user finalizer and adds what the later deletes asked for
    expect(held.metadata.finalizers).toContain('example.com/keep');
    expect(await k.ok(['patch', 'sts', STS, '-n', 'fin', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}'])).toBe(`statefulset.apps/${STS} patched\n`);
    await poll(() => gone(['sts', STS, '-n', 'fin']), 'the StatefulSet to go');
    // the Service next to it was never touched
    expect(await gone(['svc', 'sts-service', '-n', 'fin'])).toBe(false);
  });

  it('--dry-run=server on delete, patch, label, scale and set image changes nothing', async () => {
    await k.ok(['create', 'ns', 'dry']);
    await k.ok(['apply', '-f', writeManifest(`dry-${minor}.yaml`, stsIn('dry'))]);
    const rv = async () => (await k.ok(['get', 'sts', STS, '-n', 'dry', '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();
    const before = await rv();
    const d = ['-n', 'dry', '--dry-run=server'];
    expect(await k.ok(['delete', 'sts', STS, ...d])).toBe(`statefulset.apps "${STS}" deleted (server dry run)\n`);
    expect(await k.ok(['delete', 'sts', STS, ...d, '--cascade=foreground'])).toBe(`statefulset.apps "${STS}" deleted (server dry run)\n`);
    // kubectl patch sends dryRun=All but prints no "(server dry run)" suffix (its own printer)
    const p = await k.run(['patch', 'sts', STS, ...d, '-p', '{"spec":{"replicas":7}}', '-v=6']);
    expect(p.stdout).toBe(`statefulset.apps/${STS} patched\n`);
    expect(p.stderr).toMatch(/PATCH.*dryRun=All/);
    expect(await k.ok(['label', 'sts', STS, ...d, 'a=b'])).toBe(`statefulset.apps/${STS} labeled (server dry run)\n`);
    expect(await k.ok(['scale', 'sts', STS, ...d, '--replicas=7'])).toBe(`statefulset.apps/${STS} scaled (server dry run)\n`);
    expect(await k.ok(['set', 'image', `sts/${STS}`, ...d, 'containers=x:y'])).toBe(`statefulset.apps/${STS} image updated (server dry run)\n`);
    const s = await getJSON(k, ['sts', STS, '-n', 'dry']);
    expect(s.metadata.deletionTimestamp).toBeUndefined();
    expect(s.spec.replicas).toBe(2);
    expect(s.metadata.labels).toBeUndefined();
    expect(await rv()).toBe(before);
  });
});
