// E2E: create the article's manifests with real kubectl, then read them back every way `get`
// and `describe` offer, asserting the columns and lines a user sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYAML } from 'yaml';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, POD_HEADER, PV_HEADER, PV_YAML, STS_YAML, describeFields, lines, parseTable, records, CORE_ONLY } from './fixtures/util.js';

const PODS_YAML = new URL('./fixtures/pods.yaml', import.meta.url).pathname;
const PVS = [0, 1, 2, 3, 4, 5, 6].map((i) => `sts-pv-v${i}`);

describe.each(availableKubectls([33, 29, 27]))('kubectl 1.$minor: create -f and get', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const full = minor >= 29;
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('create ns, and AlreadyExists on a second create', async () => {
    expect(await k.run(['create', 'ns', 'x'])).toMatchObject({ code: 0, stdout: 'namespace/x created\n' });
    const again = await k.run(['create', 'ns', 'x']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error from server (AlreadyExists): namespaces "x" already exists\n');
  });

  it('create -f pv.yaml: PVs are cluster-scoped although the manifest names a namespace', async () => {
    const out = await k.ok(['create', '-f', PV_YAML]);
    expect(lines(out)).toEqual(['namespace/sts created', ...PVS.map((n) => `persistentvolume/${n} created`)]);
    const pv = JSON.parse(await k.ok(['get', 'pv', 'sts-pv-v0', '-o', 'json']));
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', capacity: { storage: '5G' } });
    expect(pv.status.phase).toBe('Pending');
  });

  it('create -f sts.yaml and a pods manifest', async () => {
    expect(lines(await k.ok(['create', '-f', STS_YAML]))).toEqual(['service/sts-service created', 'statefulset.apps/sts-pod-contoller created']);
    expect(lines(await k.ok(['create', '-f', PODS_YAML]))).toEqual(['pod/web-1 created', 'pod/db-1 created']);
  });

  it('get pv: upstream columns', async () => {
    const t = parseTable(await k.ok(['get', 'pv']));
    expect(t.header).toEqual(PV_HEADER);
    expect(t.rows).toEqual(PVS.map((n) => [n, '5G', 'RWO', 'Retain', 'Pending', '', '', '<unset>', '', expect.stringMatching(AGE)]));
  });

  it('get pv -o wide adds VOLUMEMODE', async () => {
    const t = parseTable(await k.ok(['get', 'pv', '-o', 'wide']));
    expect(t.header).toEqual([...PV_HEADER, 'VOLUMEMODE']);
    expect(t.rows.map((r) => r[10])).toEqual(PVS.map(() => 'Filesystem'));
  });

  it('get sts and svc, plain and wide', async () => {
    const sts = parseTable(await k.ok(['get', 'sts', '-n', 'sts']));
    expect(sts.header).toEqual(['NAME', 'READY', 'AGE']);
    expect(sts.rows).toEqual([['sts-pod-contoller', '0/2', expect.stringMatching(AGE)]]);
    const wide = parseTable(await k.ok(['get', 'statefulsets.apps', '-n', 'sts', '-o', 'wide']));
    expect(wide.header).toEqual(['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
    expect(wide.rows).toEqual([['sts-pod-contoller', '0/2', expect.stringMatching(AGE), 'containers', 'ikubernetes/myapp:v1']]);
    const svc = parseTable(await k.ok(['get', 'svc', '-n', 'sts', '-o', 'wide']));
    expect(svc.header).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(svc.rows).toEqual([['sts-service', 'ClusterIP', 'None', '<none>', '80/TCP', expect.stringMatching(AGE), 'app_name=pod,contorller=statefulset']]);
  });

  it('get pods, plain and wide', async () => {
    const t = parseTable(await k.ok(['get', 'po', '-n', 'sts']));
    expect(t.header).toEqual(POD_HEADER);
    expect(t.rows).toEqual([
      ['db-1', '0/1', 'Pending', '0', expect.stringMatching(AGE)],
      ['web-1', '0/1', 'Pending', '0', expect.stringMatching(AGE)],
    ]);
    const w = parseTable(await k.ok(['get', 'pods', '-n', 'sts', 'web-1', '-o', 'wide']));
    expect(w.header).toEqual([...POD_HEADER, 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(w.rows).toEqual([['web-1', '0/1', 'Pending', '0', expect.stringMatching(AGE), '<none>', '<none>', '<none>', '<none>']]);
  });

  it.runIf(full)('get -A adds the NAMESPACE column', async () => {
    const svc = parseTable(await k.ok(['get', 'svc', '-A']));
    expect(svc.header).toEqual(['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(svc.rows).toEqual([
      ['default', 'kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', expect.stringMatching(AGE)],
      ['sts', 'sts-service', 'ClusterIP', 'None', '<none>', '80/TCP', expect.stringMatching(AGE)],
    ]);
    const ns = records(await k.ok(['get', 'ns']));
    expect(ns.map((r) => [r.NAME, r.STATUS])).toEqual([
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
      ['sts', 'Active'],
      ['x', 'Active'],
    ]);
  });

  it.runIf(full)('get -l with label selectors', async () => {
    const names = async (sel: string) => parseTable(await k.ok(['get', 'po', '-n', 'sts', '-l', sel])).rows.map((r) => r[0]);
    expect(await names('app=web')).toEqual(['web-1']);
    expect(await names('app in (web,db)')).toEqual(['db-1', 'web-1']);
    expect(await names('app!=web')).toEqual(['db-1']);
    expect(await names('!tier')).toEqual(['db-1']);
    expect(await names('tier,app notin (db)')).toEqual(['web-1']);
    const pv = parseTable(await k.ok(['get', 'pv', '-l', 'contorller=statefulset']));
    expect(pv.rows).toHaveLength(7);
    const none = await k.run(['get', 'po', '-n', 'sts', '-l', 'app=nope']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in sts namespace.\n' });
  });

  it.runIf(full)('get --field-selector', async () => {
    const pending = parseTable(await k.ok(['get', 'pods', '-A', '--field-selector', 'status.phase=Pending']));
    expect(pending.header).toEqual(['NAMESPACE', ...POD_HEADER]);
    expect(pending.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(['sts/db-1', 'sts/web-1']);
    const running = await k.run(['get', 'pods', '-A', '--field-selector', 'status.phase=Running']);
    expect(running).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found\n' });
    const byName = parseTable(await k.ok(['get', 'pods', '-n', 'sts', '--field-selector', 'metadata.name=db-1']));
    expect(byName.rows.map((r) => r[0])).toEqual(['db-1']);
    const notName = parseTable(await k.ok(['get', 'pv', '--field-selector', 'metadata.name!=sts-pv-v3']));
    expect(notName.rows.map((r) => r[0])).toEqual(PVS.filter((n) => n !== 'sts-pv-v3'));
    const bad = await k.run(['get', 'pods', '-n', 'sts', '--field-selector', 'spec.foo=bar']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo\n');
  });

  it.runIf(full)('get --chunk-size=2 pages through all 7 PVs', async () => {
    const r = await k.run(['get', 'pv', '--chunk-size=2', '-v=6']);
    expect(r.code).toBe(0);
    expect(parseTable(r.stdout).rows.map((row) => row[0])).toEqual(PVS);
    const gets = r.stderr.split('\n').filter((l) => l.includes('/api/v1/persistentvolumes?'));
    expect(gets).toHaveLength(4);
    expect(gets.slice(1).every((l) => /continue=[^&"]+&limit=2/.test(l))).toBe(true);
    const json = JSON.parse(await k.ok(['get', 'pv', '--chunk-size=3', '-o', 'json']));
    expect(json.items.map((i: any) => i.metadata.name)).toEqual(PVS);
  });

  it.runIf(full)('-o yaml, -o json, -o jsonpath, -o name', async () => {
    const y = parseYAML(await k.ok(['get', 'svc', 'sts-service', '-n', 'sts', '-o', 'yaml']));
    expect(y).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'sts-service', namespace: 'sts', labels: { contorller: 'statefulset' } } });
    expect(y.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], type: 'ClusterIP', sessionAffinity: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(y.metadata.resourceVersion).toMatch(/^\d+$/);
    const list = JSON.parse(await k.ok(['get', 'pv', '-o', 'json']));
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(7);
    expect(list.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolume' });
    const sts = JSON.parse(await k.ok(['get', 'sts', '-n', 'sts', 'sts-pod-contoller', '-o', 'json']));
    expect(sts.spec).toMatchObject({ replicas: 2, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    expect(sts.metadata.generation).toBe(1);
    expect(await k.ok(['get', 'pv', '-o', 'jsonpath={.items[*].metadata.name}'])).toBe(PVS.join(' '));
    expect(await k.ok(['get', 'pv', 'sts-pv-v2', '-o', 'jsonpath={.spec.nfs.path} {.spec.accessModes[0]}'])).toBe('/data/volumes/v2 ReadWriteOnce');
    expect(await k.ok(['get', 'po', '-n', 'sts', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\\n"}{end}'])).toBe('db-1=redis:7\nweb-1=nginx:1.25\n');
    expect(lines(await k.ok(['get', 'sts,svc', '-n', 'sts', '-o', 'name']))).toEqual(['statefulset.apps/sts-pod-contoller', 'service/sts-service']);
  });

  it.runIf(full)('--show-labels and -L', async () => {
    const t = parseTable(await k.ok(['get', 'po', '-n', 'sts', '--show-labels']));
    expect(t.header).toEqual([...POD_HEADER, 'LABELS']);
    expect(t.rows.map((r) => [r[0], r[5]])).toEqual([
      ['db-1', 'app=db'],
      ['web-1', 'app=web,tier=fe'],
    ]);
    const pv = parseTable(await k.ok(['get', 'pv', 'sts-pv-v0', '--show-labels']));
    expect(pv.rows[0][10]).toBe('contorller=statefulset');
    const l = parseTable(await k.ok(['get', 'po', '-n', 'sts', '-L', 'tier']));
    expect(l.header).toEqual([...POD_HEADER, 'TIER']);
    expect(l.rows.map((r) => r[5])).toEqual(['', 'fe']);
  });

  it.runIf(full)('get of a missing object: NotFound wording', async () => {
    const r = await k.run(['get', 'pod', 'nope', '-n', 'sts']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    const s = await k.run(['get', 'sts', 'nope', '-n', 'sts']);
    expect(s.stderr).toBe('Error from server (NotFound): statefulsets.apps "nope" not found\n');
    const empty = await k.run(['get', 'po', '-n', 'missing']);
    expect(empty).toMatchObject({ code: 0, stderr: 'No resources found in missing namespace.\n' });
  });

  it.runIf(full)('describe ns', async () => {
    const out = await k.ok(['describe', 'ns', 'sts']);
    const f = describeFields(out);
    expect(f).toMatchObject({ Name: 'sts', Labels: 'kubernetes.io/metadata.name=sts', Annotations: '<none>', Status: 'Active' });
    expect(lines(out)).toContain('No resource quota.');
    expect(lines(out)).toContain('No LimitRange resource.');
  });

  it.runIf(full)('describe sts', async () => {
    const out = await k.ok(['describe', 'sts', 'sts-pod-contoller', '-n', 'sts']);
    expect(describeFields(out)).toMatchObject({
      Name: 'sts-pod-contoller',
      Namespace: 'sts',
      Selector: 'app_name=pod,contorller=statefulset',
      Replicas: '2 desired | 0 total',
      'Update Strategy': 'RollingUpdate',
      'Pods Status': '0 Running / 0 Waiting / 0 Succeeded / 0 Failed',
      Events: '<none>',
    });
    expect(out).toMatch(/^ {4}Image: +ikubernetes\/myapp:v1$/m);
    expect(out).toMatch(/^ {6}\/usr\/share\/nginx\/html from sts-pvc \(rw\)$/m);
    expect(out).toMatch(/^Volume Claims:\n {2}Name: +sts-pvc\n/m);
    expect(out).toMatch(/^ {2}Capacity: +2G$/m);
    expect(out).toMatch(/^ {2}Access Modes: +\[ReadWriteOnce\]$/m);
  });

  it.runIf(full)('describe svc', async () => {
    const out = await k.ok(['describe', 'svc', 'sts-service', '-n', 'sts']);
    expect(describeFields(out)).toMatchObject({
      Name: 'sts-service',
      Namespace: 'sts',
      Labels: 'contorller=statefulset',
      Selector: 'app_name=pod,contorller=statefulset',
      Type: 'ClusterIP',
      'IP Family Policy': 'SingleStack',
      'IP Families': 'IPv4',
      IP: 'None',
      IPs: 'None',
      Port: 'http  80/TCP',
      TargetPort: '80/TCP',
      Endpoints: '<none>',
      'Session Affinity': 'None',
      Events: '<none>',
    });
  });

  it.runIf(full)('describe pv', async () => {
    const out = await k.ok(['describe', 'pv', 'sts-pv-v3']);
    expect(describeFields(out)).toMatchObject({
      Name: 'sts-pv-v3',
      Labels: 'contorller=statefulset',
      Finalizers: '[kubernetes.io/pv-protection]',
      Status: 'Pending',
      'Reclaim Policy': 'Retain',
      'Access Modes': 'RWO',
      VolumeMode: 'Filesystem',
      Capacity: '5G',
      Events: '<none>',
    });
    expect(out).toMatch(/^ {4}Type: +NFS \(/m);
    expect(out).toMatch(/^ {4}Server: +172\.16\.1\.2$/m);
    expect(out).toMatch(/^ {4}Path: +\/data\/volumes\/v3$/m);
  });

  it.runIf(full)('describe pod', async () => {
    const out = await k.ok(['describe', 'pod', 'web-1', '-n', 'sts']);
    expect(describeFields(out)).toMatchObject({
      Name: 'web-1',
      Namespace: 'sts',
      Priority: '0',
      Node: '<none>',
      Labels: 'app=web',
      Status: 'Pending',
      'QoS Class': 'BestEffort',
      Events: '<none>',
    });
    // the core alone: no ServiceAccount controller, so the ServiceAccount admission plugin is off
    // (--disable-admission-plugins ServiceAccount), the pod names no account and kubectl prints no
    // such line; the full cluster's describe is in serviceaccount-admission.test.ts
    expect(out).not.toMatch(/^Service Account:/m);
    // (without that line the describe columns are narrower: tabwriter aligns the labels on the longest)
    expect(out).toMatch(/^Labels: +app=web\n {14}tier=fe$/m);
    expect(out).toMatch(/^ {4}Image: +nginx:1\.25$/m);
    // a prefix names every pod it matches
    const byPrefix = await k.ok(['describe', 'pod', '-n', 'sts', 'web']);
    expect(describeFields(byPrefix).Name).toBe('web-1');
  });
});
