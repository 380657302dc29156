// E2E: client-side and server-side apply with real kubectl (1.33, 1.29, 1.27) on the seed's
// pv.yaml and sts.yaml: created/unchanged/configured, the last-applied annotation, managedFields,
// SSA conflicts and --force-conflicts, the client-side → server-side migration, explain, and
// unknown fields under strict validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYAML, parseAllDocuments } from 'yaml';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { lines } from './fixtures/util.js';
import { fieldsOf, getJSON, managers, pvsAs, stsIn, uaManager, writeManifest } from './fixtures/writes/util.js';

const CONFLICT_HELP = 'Please review the fields above--they currently have other managers.';

describe.each(availableKubectls([33, 29, 27]))('kubectl 1.$minor: apply', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const rv = async (what: string, ns?: string) =>
    (await k.ok(['get', what, ...(ns ? ['-n', ns] : []), '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();
  beforeAll(async () => {
    srv = await startServer({ controllers: [] });
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('client-side apply of pv.yaml: created, unchanged (same resourceVersion), configured', async () => {
    const file = writeManifest(`pv-${minor}.yaml`, pvsAs(`a${minor}`));
    const names = [0, 1, 2, 3, 4, 5, 6].map((i) => `persistentvolume/a${minor}-pv-v${i}`);
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(names.map((n) => `${n} created`));
    const before = await rv(`pv/a${minor}-pv-v0`);
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(names.map((n) => `${n} unchanged`));
    expect(await rv(`pv/a${minor}-pv-v0`)).toBe(before);
    // the annotation is the manifest as kubectl compacted it (kubectl adds `annotations: {}` and
    // drops the namespace of a cluster-scoped object), and reads back unchanged
    const pv = await getJSON(k, ['pv', `a${minor}-pv-v3`]);
    const manifestDoc = parseAllDocuments(pvsAs(`a${minor}`))[3].toJSON();
    delete manifestDoc.metadata.namespace;
    manifestDoc.metadata.annotations = {};
    expect(JSON.parse(pv.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])).toEqual(manifestDoc);
    expect(parseYAML(await k.ok(['apply', 'view-last-applied', `pv/a${minor}-pv-v3`]))).toEqual(manifestDoc);
    expect(managers(pv)).toEqual(['kubectl-client-side-apply Update']);

    const changed = writeManifest(`pv2-${minor}.yaml`, pvsAs(`a${minor}`).replace(`name: a${minor}-pv-v3`, `name: a${minor}-pv-v3\n  annotations:\n    note: changed`));
    expect(lines(await k.ok(['apply', '-f', changed]))).toEqual(names.map((n) => `${n} ${n.endsWith('v3') ? 'configured' : 'unchanged'}`));
    expect(await k.ok(['get', 'pv', `a${minor}-pv-v3`, '-o', 'jsonpath={.metadata.annotations.note}'])).toBe('changed');
    // the source of a PV is immutable: a changed nfs path is refused as upstream refuses it
    const moved = writeManifest(`pv3-${minor}.yaml`, pvsAs(`a${minor}`).replace('path: /data/volumes/v3', 'path: /data/volumes/v33'));
    const r = await k.run(['apply', '-f', moved]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The PersistentVolume "a${minor}-pv-v3" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation`);
    expect(await rv(`pv/a${minor}-pv-v0`)).toBe(before);
  });

  it('client-side apply of sts.yaml: the StatefulSet says "configured" on a no-op re-apply but is not written', async () => {
    await k.ok(['create', 'ns', 'csa']);
    const file = writeManifest(`csa-${minor}.yaml`, stsIn('csa'));
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(['service/sts-service created', 'statefulset.apps/sts-pod-contoller created']);
    const before = { sts: await rv('sts/sts-pod-contoller', 'csa'), svc: await rv('svc/sts-service', 'csa') };
    // real clusters print "configured" too: the claim templates gain server defaults, so kubectl's
    // three-way diff is never empty; the server sees a patch that changes nothing
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(['service/sts-service unchanged', 'statefulset.apps/sts-pod-contoller configured']);
    expect({ sts: await rv('sts/sts-pod-contoller', 'csa'), svc: await rv('svc/sts-service', 'csa') }).toEqual(before);

    const changed = writeManifest(`csa2-${minor}.yaml`, stsIn('csa').replace('replicas: 2', 'replicas: 3').replace('myapp:v1', 'myapp:v2'));
    expect(lines(await k.ok(['apply', '-f', changed]))).toEqual(['service/sts-service unchanged', 'statefulset.apps/sts-pod-contoller configured']);
    const sts = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'csa']);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v2');
    expect(sts.metadata.generation).toBe(2);
    const last = JSON.parse(sts.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(last.spec.replicas).toBe(3);
    expect(last.metadata).toEqual({ annotations: {}, name: 'sts-pod-contoller', namespace: 'csa' });
    expect(managers(sts)).toEqual(['kubectl-client-side-apply Update']);
  });

  it('server-side apply: serverside-applied, a no-op re-apply, a conflict after scale, --force-conflicts', async () => {
    await k.ok(['create', 'ns', 'ssa']);
    const file = writeManifest(`ssa-${minor}.yaml`, stsIn('ssa'));
    const applied = ['service/sts-service serverside-applied', 'statefulset.apps/sts-pod-contoller serverside-applied'];
    expect(lines(await k.ok(['apply', '--server-side', '-f', file]))).toEqual(applied);
    const first = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'ssa']);
    const svcRV = await rv('svc/sts-service', 'ssa');
    expect(lines(await k.ok(['apply', '--server-side', '-f', file]))).toEqual(applied);
    // the Service is a true no-op. The StatefulSet is not, upstream either: its atomic
    // volumeClaimTemplates differ from the defaulted live ones before defaulting, so the apply is
    // no no-op for structured-merge-diff and managedFieldsUpdater stamps a new time (seconds): the
    // resourceVersion may move when the clock crossed a second, but spec and generation stay
    expect(await rv('svc/sts-service', 'ssa')).toBe(svcRV);
    let sts = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'ssa']);
    expect(sts.spec).toEqual(first.spec);
    expect(sts.metadata.generation).toBe(1);
    expect(managers(sts)).toEqual(['kubectl Apply']);
    expect(sts.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(fieldsOf(sts, 'kubectl')['f:spec']).toMatchObject({ 'f:replicas': {}, 'f:volumeClaimTemplates': {}, 'f:serviceName': {} });

    // kubectl scale PATCHes .../scale without a fieldManager: the server names the manager after
    // the User-Agent's program name ("kubectl" on a normal install; here the pinned binary's name)
    // and records the write as an Update through the "scale" subresource that owns .spec.replicas
    expect(await k.ok(['scale', 'sts', 'sts-pod-contoller', '-n', 'ssa', '--replicas=4'])).toBe('statefulset.apps/sts-pod-contoller scaled\n');
    sts = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'ssa']);
    const scaler = uaManager(bin);
    expect(managers(sts)).toEqual(['kubectl Apply', `${scaler} Update/scale`]);
    expect(fieldsOf(sts, scaler)).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(fieldsOf(sts, 'kubectl')['f:spec']['f:replicas']).toBeUndefined();

    // re-applying replicas: 2 now conflicts with that manager (conflict.go printManager:
    // `"m" with subresource "s" using <apiVersion>` for an Update manager); nothing is written
    const r = await k.run(['apply', '--server-side', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: Apply failed with 1 conflict: conflict with "${scaler}" with subresource "scale" using apps/v1: .spec.replicas\n${CONFLICT_HELP}`,
    );
    expect(await k.ok(['get', 'sts', 'sts-pod-contoller', '-n', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');

    expect(lines(await k.ok(['apply', '--server-side', '--force-conflicts', '-f', file]))).toEqual(applied);
    sts = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'ssa']);
    expect(sts.spec.replicas).toBe(2);
    // the scale manager lost its only field and is gone
    expect(managers(sts)).toEqual(['kubectl Apply']);
    expect(fieldsOf(sts, 'kubectl')['f:spec']['f:replicas']).toEqual({});

    // a changed manifest applied server-side
    const changed = writeManifest(`ssa2-${minor}.yaml`, stsIn('ssa').replace('myapp:v1', 'myapp:v2'));
    expect(lines(await k.ok(['apply', '--server-side', '-f', changed]))).toEqual(applied);
    expect(await k.ok(['get', 'sts', 'sts-pod-contoller', '-n', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe(
      'ikubernetes/myapp:v2',
    );
  });

  it('client-side then server-side apply: the lastapplied manager forgives what the annotation still matches', async () => {
    // Upstream (managedfields/internal/lastappliedmanager.go): when manager "kubectl" conflicts, the
    // conflicts on fields whose last-applied value still equals the live value are forced through.
    // replicas changed by a client-side apply is such a field, so it does NOT conflict. The claim
    // templates do: volumeClaimTemplates is an atomic list, the live one carries server defaults
    // (apiVersion/kind, volumeMode, status) that neither the applied config nor the annotation
    // has, and conflicts are computed before defaulting (structuredmerge.go) — a real cluster
    // answers exactly this for the seed's sts.yaml.
    await k.ok(['create', 'ns', 'mig']);
    const three = writeManifest(`mig3-${minor}.yaml`, stsIn('mig').replace('replicas: 2', 'replicas: 3'));
    await k.ok(['apply', '-f', three]);
    const file = writeManifest(`mig-${minor}.yaml`, stsIn('mig'));
    const r = await k.run(['apply', '--server-side', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('service/sts-service serverside-applied\n');
    expect(r.stderr).toContain(
      'error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.volumeClaimTemplates\n',
    );
    // the Service migrated: kubectl's JSON patch of managedFields folded the client-side manager into "kubectl"
    const svc = await getJSON(k, ['svc', 'sts-service', '-n', 'mig']);
    expect(managers(svc)).not.toContain('kubectl-client-side-apply Update');
    expect(managers(svc)).toContain('kubectl Apply');

    const out = await k.run(['apply', '--server-side', '--force-conflicts', '-f', file, '-v=6']);
    expect(out.code, out.stderr).toBe(0);
    expect(lines(out.stdout)).toEqual(['service/sts-service serverside-applied', 'statefulset.apps/sts-pod-contoller serverside-applied']);
    expect(out.stderr).not.toMatch(/Warning|failed to migrate/i);
    const sts = await getJSON(k, ['sts', 'sts-pod-contoller', '-n', 'mig']);
    expect(sts.spec.replicas).toBe(2);
    expect(managers(sts)).toEqual(expect.arrayContaining(['kubectl Apply']));
    expect(managers(sts)).not.toContain('kubectl-client-side-apply Update');
    // the annotation is kept in step with what was applied server-side
    expect(JSON.parse(sts.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.replicas).toBe(2);
    // and a plain client-side apply still works afterwards
    expect(lines(await k.ok(['apply', '-f', three]))).toContain('statefulset.apps/sts-pod-contoller configured');
    expect(await k.ok(['get', 'sts', 'sts-pod-contoller', '-n', 'mig', '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
  });

  it('the PVs migrate from client-side to server-side apply without conflicts', async () => {
    const file = writeManifest(`pvm-${minor}.yaml`, pvsAs(`m${minor}`));
    await k.ok(['apply', '-f', file]);
    expect(lines(await k.ok(['apply', '--server-side', '-f', file]))).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `persistentvolume/m${minor}-pv-v${i} serverside-applied`),
    );
    const pv = await getJSON(k, ['pv', `m${minor}-pv-v1`]);
    expect(managers(pv)).not.toContain('kubectl-client-side-apply Update');
    expect(fieldsOf(pv, 'kubectl', 'Apply')['f:spec']).toMatchObject({ 'f:nfs': { 'f:path': {}, 'f:server': {} } });
  });

  it('apply --dry-run=server writes nothing', async () => {
    await k.ok(['create', 'ns', 'dry']);
    const file = writeManifest(`dry-${minor}.yaml`, stsIn('dry'));
    expect(lines(await k.ok(['apply', '-f', file, '--dry-run=server']))).toEqual([
      'service/sts-service created (server dry run)',
      'statefulset.apps/sts-pod-contoller created (server dry run)',
    ]);
    expect(lines(await k.ok(['apply', '--server-side', '-f', file, '--dry-run=server']))).toEqual([
      'service/sts-service serverside-applied (server dry run)',
      'statefulset.apps/sts-pod-contoller serverside-applied (server dry run)',
    ]);
    expect((await k.run(['get', 'sts,svc', '-n', 'dry'])).stderr).toBe('No resources found in dry namespace.\n');
  });

  it('unknown fields: strict client-side apply is a 400; server-side apply fails the typed conversion (500)', async () => {
    const bad = writeManifest(
      `bad-${minor}.yaml`,
      stsIn('csa').split('---')[1].replace('name: sts-pod-contoller', 'name: bad').replace('  replicas: 2', '  replicas: 2\n  foo: bar'),
    );
    const csa = await k.run(['apply', '-f', bad]);
    expect(csa).toMatchObject({ code: 1, stdout: '' });
    expect(csa.stderr).toBe(
      `Error from server (BadRequest): error when creating "${bad}": StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: unknown field "spec.foo"\n`,
    );
    // SSA converts the applied object to a typed value first: an undeclared field fails there,
    // whatever fieldValidation says (upstream answers 500 with no reason: kubernetes issue #122480)
    for (const extra of [[], ['--validate=false']]) {
      const ssa = await k.run(['apply', '--server-side', '-f', bad, ...extra]);
      expect(ssa.code).toBe(1);
      expect(ssa.stderr).toBe(
        'Error from server: failed to create typed patch object (csa/bad; apps/v1, Kind=StatefulSet): .spec.foo: field not declared in schema\n',
      );
    }
    expect((await k.run(['get', 'sts', 'bad', '-n', 'csa'])).code).toBe(1);
  });

  it('explain statefulset.spec.updateStrategy', async () => {
    const out = await k.ok(['explain', 'statefulset.spec.updateStrategy']);
    expect(out).toMatch(/^GROUP: +apps\nKIND: +StatefulSet\nVERSION: +v1\n/);
    expect(out).toContain('FIELD: updateStrategy <StatefulSetUpdateStrategy>');
    expect(out).toMatch(/\n {2}rollingUpdate\t<RollingUpdateStatefulSetStrategy>\n/);
    expect(out).toMatch(/\n {2}type\t<string>\n/);
    const deeper = await k.ok(['explain', 'statefulset.spec.updateStrategy.rollingUpdate']);
    expect(deeper).toMatch(/\n {2}maxUnavailable\t<IntOrString>\n/);
    expect(deeper).toMatch(/\n {2}partition\t<integer>\n/);
  });
});
