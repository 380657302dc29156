// E2E: the write commands of real kubectl: apply, replace, delete, the protobuf-bodied `create`
// generators, strict field validation and server-side dry runs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYAML, stringify as toYAML } from 'yaml';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { STS_YAML, lines, manifest, parseTable, records, CORE_ONLY } from './fixtures/util.js';

const PODS_YAML = new URL('./fixtures/pods.yaml', import.meta.url).pathname;
/** The article's sts.yaml moved to another namespace. */
const stsIn = (ns: string) => readFileSync(STS_YAML, 'utf8').replaceAll('namespace: sts', `namespace: ${ns}`);

describe.each(availableKubectls([33, 29, 27]))('kubectl 1.$minor: writes', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const full = minor >= 29;
  const rv = async (what: string, ns: string) => (await k.ok(['get', what, '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
    await k.ok(['create', 'ns', 'sts']);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('apply -f creates, a re-apply changes nothing, a changed manifest is patched', async () => {
    await k.ok(['create', 'ns', 'ap']);
    const file = manifest(`ap-${minor}.yaml`, stsIn('ap'));
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(['service/sts-service created', 'statefulset.apps/sts-pod-contoller created']);
    const sts = JSON.parse(await k.ok(['get', 'sts', 'sts-pod-contoller', '-n', 'ap', '-o', 'json']));
    const applied = JSON.parse(sts.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(applied).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts-pod-contoller', namespace: 'ap' } });
    const before = { sts: await rv('sts/sts-pod-contoller', 'ap'), svc: await rv('svc/sts-service', 'ap') };

    // the StatefulSet says "configured" on real clusters too (its PVC templates gain defaults);
    // what matters is that nothing was written
    expect(lines(await k.ok(['apply', '-f', file]))).toEqual(['service/sts-service unchanged', 'statefulset.apps/sts-pod-contoller configured']);
    expect({ sts: await rv('sts/sts-pod-contoller', 'ap'), svc: await rv('svc/sts-service', 'ap') }).toEqual(before);

    const changed = manifest(`ap2-${minor}.yaml`, stsIn('ap').replace('ikubernetes/myapp:v1', 'ikubernetes/myapp:v2').replace('replicas: 2', 'replicas: 3'));
    expect(lines(await k.ok(['apply', '-f', changed]))).toEqual(['service/sts-service unchanged', 'statefulset.apps/sts-pod-contoller configured']);
    const after = JSON.parse(await k.ok(['get', 'sts', 'sts-pod-contoller', '-n', 'ap', '-o', 'json']));
    expect(after.spec.replicas).toBe(3);
    expect(after.spec.template.spec.containers[0].image).toBe('ikubernetes/myapp:v2');
    expect(after.metadata.generation).toBe(2);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.sts));
  });

  it('create -f rejects an unknown field under the default strict validation', async () => {
    const bad = manifest(
      `bad-${minor}.yaml`,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  namespace: sts\nspec:\n  foo: bar\n  ports:\n  - port: 80\n',
    );
    const r = await k.run(['create', '-f', bad]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `Error from server (BadRequest): error when creating "${bad}": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"\n`,
    );
    const applied = await k.run(['apply', '-f', bad]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"');
    expect((await k.run(['get', 'svc', 'bad', '-n', 'sts'])).code).toBe(1);
    // --validate=false drops the field; warn reports it and creates
    expect(await k.ok(['create', '-f', bad, '--validate=false'])).toBe('service/bad created\n');
    await k.ok(['delete', 'svc', 'bad', '-n', 'sts']);
    if (full) {
      const warned = await k.run(['create', '-f', bad, '--validate=warn']);
      expect(warned).toMatchObject({ code: 0, stdout: 'service/bad created\n' });
      expect(warned.stderr).toBe('Warning: unknown field "spec.foo"\n');
      expect(await k.ok(['delete', '-f', bad])).toBe('service "bad" deleted\n');
    }
  });

  it.runIf(full)('--dry-run=server create leaves nothing behind', async () => {
    await k.ok(['create', 'ns', 'dry']);
    const file = manifest(`dry-${minor}.yaml`, stsIn('dry'));
    expect(lines(await k.ok(['create', '-f', file, '--dry-run=server']))).toEqual([
      'service/sts-service created (server dry run)',
      'statefulset.apps/sts-pod-contoller created (server dry run)',
    ]);
    expect(await k.run(['get', 'all', '-n', 'dry'])).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in dry namespace.\n' });
    expect(await k.ok(['create', 'ns', 'zz', '--dry-run=server'])).toBe('namespace/zz created (server dry run)\n');
    expect((await k.run(['get', 'ns', 'zz'])).stderr).toBe('Error from server (NotFound): namespaces "zz" not found\n');
    // the server answers with what it would have stored: defaults and a clusterIP
    const y = parseYAML(await k.ok(['create', 'service', 'clusterip', 'dr', '--tcp=80', '-n', 'dry', '--dry-run=server', '-o', 'yaml']));
    expect(y.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None' });
    expect(y.spec.clusterIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect((await k.run(['get', 'svc', 'dr', '-n', 'dry'])).code).toBe(1);
  });

  it.runIf(full)('create namespace and create service clusterip (protobuf bodies from 1.32 on)', async () => {
    const ns = await k.run(['create', 'namespace', 'pb', '-v=8']);
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toBe('namespace/pb created\n');
    const post = ns.stderr.slice(ns.stderr.indexOf('"POST"'));
    if (minor >= 32) expect(post).toMatch(/Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const svc = await k.run(['create', 'service', 'clusterip', 'cs', '--tcp=80:8080', '-n', 'pb']);
    expect(svc).toMatchObject({ code: 0, stdout: 'service/cs created\n' });
    const t = records(await k.ok(['get', 'svc', 'cs', '-n', 'pb', '-o', 'wide']));
    expect(t).toEqual([{ NAME: 'cs', TYPE: 'ClusterIP', 'CLUSTER-IP': expect.stringMatching(/^10\.\d+\.\d+\.\d+$/), 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP', AGE: expect.stringMatching(/^\d+s$/), SELECTOR: 'app=cs' }]);
    const obj = JSON.parse(await k.ok(['get', 'svc', 'cs', '-n', 'pb', '-o', 'json']));
    expect(obj.spec.ports).toEqual([{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(obj.metadata.labels).toEqual({ app: 'cs' });
    const headless = await k.ok(['create', 'service', 'clusterip', 'hl', '--clusterip=None', '-n', 'pb']);
    expect(headless).toBe('service/hl created\n');
    expect(await k.ok(['get', 'svc', 'hl', '-n', 'pb', '-o', 'jsonpath={.spec.clusterIP}'])).toBe('None');
    const dup = await k.run(['create', 'namespace', 'pb']);
    expect(dup.stderr).toBe('Error from server (AlreadyExists): namespaces "pb" already exists\n');
  });

  it.runIf(full)('replace -f applies a changed image; a stale resourceVersion is a Conflict', async () => {
    await k.ok(['create', '-f', PODS_YAML]);
    const live = parseYAML(await k.ok(['get', 'pod', 'web-1', '-n', 'sts', '-o', 'yaml']));
    const stale = manifest(`stale-${minor}.yaml`, toYAML(live));
    live.spec.containers[0].image = 'nginx:1.27';
    const file = manifest(`replace-${minor}.yaml`, toYAML(live));
    expect(await k.ok(['replace', '-f', file])).toBe('pod/web-1 replaced\n');
    expect(await k.ok(['get', 'pod', 'web-1', '-n', 'sts', '-o', 'jsonpath={.spec.containers[0].image}'])).toBe('nginx:1.27');
    const r = await k.run(['replace', '-f', stale]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `Error from server (Conflict): error when replacing "${stale}": Operation cannot be fulfilled on pods "web-1": the object has been modified; please apply your changes to the latest version and try again\n`,
    );
    expect(await k.ok(['get', 'pod', 'web-1', '-n', 'sts', '-o', 'jsonpath={.spec.containers[0].image}'])).toBe('nginx:1.27');
    // without a resourceVersion in the file, kubectl sends the live one: an unconditional replace
    delete live.metadata.resourceVersion;
    live.spec.containers[0].image = 'nginx:1.28';
    expect(await k.ok(['replace', '-f', manifest(`replace2-${minor}.yaml`, toYAML(live))])).toBe('pod/web-1 replaced\n');
    expect(await k.ok(['get', 'pod', 'web-1', '-n', 'sts', '-o', 'jsonpath={.spec.containers[0].image}'])).toBe('nginx:1.28');
  });

  it.runIf(full)('replace of a missing object is NotFound', async () => {
    const gone = manifest(`gone-${minor}.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n  namespace: sts\ndata:\n  a: b\n');
    const r = await k.run(['replace', '-f', gone]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (NotFound): error when replacing "${gone}": configmaps "gone" not found\n`);
  });

  it.runIf(full)('delete pod and svc', async () => {
    expect(await k.ok(['delete', 'pod', 'db-1', '-n', 'sts'])).toBe('pod "db-1" deleted\n');
    expect((await k.run(['get', 'pod', 'db-1', '-n', 'sts'])).stderr).toBe('Error from server (NotFound): pods "db-1" not found\n');
    await k.ok(['create', '-f', manifest(`svc-${minor}.yaml`, stsIn('sts').split('---')[0])]);
    expect(await k.ok(['delete', 'svc', 'sts-service', '-n', 'sts'])).toBe('service "sts-service" deleted\n');
    expect((await k.run(['get', 'svc', '-n', 'sts'])).stderr).toBe('No resources found in sts namespace.\n');
    const nope = await k.run(['delete', 'pod', 'nope', '-n', 'sts']);
    expect(nope).toMatchObject({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    const ignored = await k.run(['delete', 'pod', 'nope', '-n', 'sts', '--ignore-not-found']);
    expect(ignored).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it.runIf(full)('delete -l', async () => {
    await k.ok(['create', 'ns', 'dl']);
    await k.ok(['create', '-f', manifest(`dl-${minor}.yaml`, readFileSync(PODS_YAML, 'utf8').replaceAll('namespace: sts', 'namespace: dl'))]);
    expect(await k.ok(['delete', 'pods', '-n', 'dl', '-l', 'app=web'])).toBe('pod "web-1" deleted\n');
    expect(parseTable(await k.ok(['get', 'pods', '-n', 'dl'])).rows.map((r) => r[0])).toEqual(['db-1']);
  });

  it.runIf(full)('delete ns --wait=false leaves it Terminating (no namespace controller yet)', async () => {
    await k.ok(['create', 'ns', 'gone']);
    expect(await k.ok(['delete', 'ns', 'gone', '--wait=false'])).toBe('namespace "gone" deleted\n');
    const t = records(await k.ok(['get', 'ns', 'gone']));
    expect(t).toEqual([{ NAME: 'gone', STATUS: 'Terminating', AGE: expect.stringMatching(/^\d+s$/) }]);
    const obj = JSON.parse(await k.ok(['get', 'ns', 'gone', '-o', 'json']));
    expect(obj.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(obj.status.phase).toBe('Terminating');
    const into = await k.run(['create', 'configmap', 'c', '-n', 'gone']);
    expect(into.code).toBe(1);
    expect(into.stderr).toBe('error: failed to create configmap: configmaps "c" is forbidden: unable to create new content in namespace gone because it is being terminated\n');
  });
});
