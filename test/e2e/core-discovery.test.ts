// E2E: what real kubectl sees of discovery, version, OpenAPI (explain), auth and cluster-info.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { lines, parseTable, CORE_ONLY } from './fixtures/util.js';

// name, shortnames, apiVersion, namespaced, kind, verbs, categories (as upstream serves them;
// kubectl sorts the groups by name)
const RW = 'create,delete,deletecollection,get,list,patch,update,watch';
const RESOURCES: string[][] = [
  ['componentstatuses', 'cs', 'v1', 'false', 'ComponentStatus', 'get,list', ''],
  ['configmaps', 'cm', 'v1', 'true', 'ConfigMap', RW, ''],
  ['endpoints', 'ep', 'v1', 'true', 'Endpoints', RW, ''],
  ['events', 'ev', 'v1', 'true', 'Event', RW, ''],
  ['limitranges', 'limits', 'v1', 'true', 'LimitRange', RW, ''],
  ['namespaces', 'ns', 'v1', 'false', 'Namespace', 'create,delete,get,list,patch,update,watch', ''],
  ['nodes', 'no', 'v1', 'false', 'Node', RW, ''],
  ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim', RW, ''],
  ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume', RW, ''],
  ['pods', 'po', 'v1', 'true', 'Pod', RW, 'all'],
  ['podtemplates', '', 'v1', 'true', 'PodTemplate', RW, ''],
  ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController', RW, 'all'],
  ['resourcequotas', 'quota', 'v1', 'true', 'ResourceQuota', RW, ''],
  ['secrets', '', 'v1', 'true', 'Secret', RW, ''],
  ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount', RW, ''],
  ['services', 'svc', 'v1', 'true', 'Service', RW, 'all'],
  ['mutatingwebhookconfigurations', '', 'admissionregistration.k8s.io/v1', 'false', 'MutatingWebhookConfiguration', RW, 'api-extensions'],
  ['validatingadmissionpolicies', '', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicy', RW, 'api-extensions'],
  ['validatingadmissionpolicybindings', '', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingAdmissionPolicyBinding', RW, 'api-extensions'],
  ['validatingwebhookconfigurations', '', 'admissionregistration.k8s.io/v1', 'false', 'ValidatingWebhookConfiguration', RW, 'api-extensions'],
  ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition', RW, 'api-extensions'],
  ['controllerrevisions', '', 'apps/v1', 'true', 'ControllerRevision', RW, ''],
  ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet', RW, 'all'],
  ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment', RW, 'all'],
  ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet', RW, 'all'],
  ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet', RW, 'all'],
  ['selfsubjectreviews', '', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview', 'create', ''],
  ['tokenreviews', '', 'authentication.k8s.io/v1', 'false', 'TokenReview', 'create', ''],
  ['localsubjectaccessreviews', '', 'authorization.k8s.io/v1', 'true', 'LocalSubjectAccessReview', 'create', ''],
  ['selfsubjectaccessreviews', '', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview', 'create', ''],
  ['selfsubjectrulesreviews', '', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview', 'create', ''],
  ['subjectaccessreviews', '', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview', 'create', ''],
  ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler', RW, 'all'],
  ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob', RW, 'all'],
  ['jobs', '', 'batch/v1', 'true', 'Job', RW, 'all'],
  ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease', RW, ''],
  ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice', RW, ''],
  ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event', RW, ''],
  ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass', RW, ''],
  ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress', RW, ''],
  ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy', RW, ''],
  ['runtimeclasses', '', 'node.k8s.io/v1', 'false', 'RuntimeClass', RW, ''],
  ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget', RW, ''],
  ['clusterrolebindings', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRoleBinding', RW, ''],
  ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole', RW, ''],
  ['rolebindings', '', 'rbac.authorization.k8s.io/v1', 'true', 'RoleBinding', RW, ''],
  ['roles', '', 'rbac.authorization.k8s.io/v1', 'true', 'Role', RW, ''],
  ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass', RW, ''],
  ['csidrivers', '', 'storage.k8s.io/v1', 'false', 'CSIDriver', RW, ''],
  ['csinodes', '', 'storage.k8s.io/v1', 'false', 'CSINode', RW, ''],
  ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass', RW, ''],
  ['volumeattachments', '', 'storage.k8s.io/v1', 'false', 'VolumeAttachment', RW, ''],
];

describe.each(availableKubectls([33, 29, 27]))('kubectl 1.$minor: discovery, version, explain, auth', ({ minor, bin }) => {
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

  it('version reports the emulated server version', async () => {
    const r = await k.run(['version']);
    expect(r.code).toBe(0);
    if (minor >= 28) expect(lines(r.stdout)).toContain('Server Version: v1.33.0');
    else expect(r.stdout).toMatch(/^Server Version: version\.Info\{Major:"1", Minor:"33", GitVersion:"v1\.33\.0",/m);
    const j = JSON.parse(await k.ok(['version', '-o', 'json']));
    expect(j.serverVersion).toMatchObject({ major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' });
  });

  it('explain statefulset.spec.updateStrategy', async () => {
    const r = await k.run(['explain', 'statefulset.spec.updateStrategy']);
    expect(r.code, r.stderr).toBe(0);
    const ls = r.stdout.split('\n');
    expect(ls.slice(0, 3)).toEqual(['GROUP:      apps', 'KIND:       StatefulSet', 'VERSION:    v1']);
    expect(ls).toContain('FIELD: updateStrategy <StatefulSetUpdateStrategy>');
    expect(ls).toContain('FIELDS:');
    expect(ls).toContain('  rollingUpdate\t<RollingUpdateStatefulSetStrategy>');
    expect(ls).toContain('  type\t<string>');
    const nested = await k.run(['explain', 'sts.spec.updateStrategy.rollingUpdate.partition']);
    expect(nested.code, nested.stderr).toBe(0);
    expect(nested.stdout).toContain('FIELD: partition <integer>');
    const bad = await k.run(['explain', 'statefulset.spec.nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('field "nope" does not exist');
  });

  it.runIf(full)('api-resources lists names, shortnames, kinds and scope', async () => {
    const t = parseTable(await k.ok(['api-resources']));
    expect(t.header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(t.rows).toEqual(RESOURCES.map((r) => r.slice(0, 5)));
  });

  it.runIf(full)('api-resources -o wide adds verbs and categories', async () => {
    const t = parseTable(await k.ok(['api-resources', '-o', 'wide']));
    expect(t.header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    expect(t.rows).toEqual(RESOURCES);
  });

  it.runIf(full)('api-resources filters: --namespaced=false, --api-group=apps, -o name', async () => {
    const cluster = parseTable(await k.ok(['api-resources', '--namespaced=false']));
    expect(cluster.rows.map((r) => r[0])).toEqual(RESOURCES.filter((r) => r[3] === 'false').map((r) => r[0]));
    const apps = parseTable(await k.ok(['api-resources', '--api-group=apps']));
    expect(apps.rows.map((r) => r[0])).toEqual(['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']);
    expect(lines(await k.ok(['api-resources', '-o', 'name', '--api-group=storage.k8s.io']))).toEqual([
      'csidrivers.storage.k8s.io',
      'csinodes.storage.k8s.io',
      'storageclasses.storage.k8s.io',
      'volumeattachments.storage.k8s.io',
    ]);
  });

  it.runIf(full)('api-versions', async () => {
    expect(lines(await k.ok(['api-versions']))).toEqual([
      'admissionregistration.k8s.io/v1',
      'apiextensions.k8s.io/v1',
      'apps/v1',
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'autoscaling/v1',
      'autoscaling/v2',
      'batch/v1',
      'coordination.k8s.io/v1',
      'discovery.k8s.io/v1',
      'events.k8s.io/v1',
      'networking.k8s.io/v1',
      'node.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'storage.k8s.io/v1',
      'v1',
    ]);
  });

  it.runIf(full)('auth can-i create pods: yes', async () => {
    const r = await k.run(['auth', 'can-i', 'create', 'pods']);
    expect(r).toMatchObject({ code: 0, stdout: 'yes\n' });
    const r2 = await k.run(['auth', 'can-i', 'delete', 'statefulsets.apps', '-n', 'kube-system']);
    expect(r2).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  it.runIf(full)('auth can-i --list', async () => {
    const t = parseTable(await k.ok(['auth', 'can-i', '--list']));
    expect(t.header).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(t.rows).toContainEqual(['*.*', '[]', '[]', '[*]']);
    expect(t.rows).toContainEqual(['', '[*]', '[]', '[*]']);
  });

  it.runIf(full)('cluster-info', async () => {
    const r = await k.run(['cluster-info']);
    expect(r.code).toBe(0);
    // older kubectl (e.g. 1.29) colours these words even when stdout is not a terminal
    const plain = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(lines(plain)[0]).toBe(`Kubernetes control plane is running at ${srv.url}`);
    expect(r.stdout).toContain("To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.");
  });
});
