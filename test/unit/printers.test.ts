import { describe, it, expect } from 'vitest';
import {
  defaultPrinter,
  formatLabels,
  formatQuantity,
  humanDuration,
  shortHumanDuration,
  translateTimestampSince,
  accessModesString,
} from '../../src/printers/index.js';
import { printers } from '../helpers/printers.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const meta = (name: string, extra: any = {}) => ({ name, creationTimestamp: ago(10 * S), ...extra });
const row = (res: string, obj: any) => printers[res].row(obj, NOW) as any[];

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [-2 * S, '<invalid>'],
    [-1500, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [120 * S, '2m'],
    [121 * S, '2m1s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [2 * Y - D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 10 * D, '2y10d'],
    [8 * Y - D, '7y364d'],
    [8 * Y, '8y'],
    [30 * Y + 100 * D, '30y'],
  ];
  for (const [ms, want] of cases) it(`${ms}ms -> ${want}`, () => expect(humanDuration(ms)).toBe(want));
  it('shortHumanDuration', () => {
    expect(shortHumanDuration(59 * S)).toBe('59s');
    expect(shortHumanDuration(90 * M)).toBe('1h');
    expect(shortHumanDuration(400 * D)).toBe('1y');
  });
  it('translateTimestampSince', () => {
    expect(translateTimestampSince(undefined, NOW)).toBe('<unknown>');
    expect(translateTimestampSince('', NOW)).toBe('<unknown>');
    expect(translateTimestampSince('0001-01-01T00:00:00Z', NOW)).toBe('<unknown>');
    expect(translateTimestampSince(ago(5 * M), NOW)).toBe('5m');
    expect(translateTimestampSince('2024-06-01T11:59:30.123456Z', NOW)).toBe('29s');
  });
});

describe('helpers', () => {
  it('formatLabels', () => {
    expect(formatLabels(undefined)).toBe('<none>');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels({ tier: 'web', app: 'x' })).toBe('app=x,tier=web');
  });
  it('accessModesString keeps the fixed order', () => {
    expect(accessModesString(['ReadWriteOncePod', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'])).toBe('RWO,RWX,RWOP');
    expect(accessModesString(undefined)).toBe('');
  });
  it('formatQuantity gives the canonical form', () => {
    const cases: Array<[unknown, string]> = [
      ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'],
      ['100Mi', '100Mi'], ['512', '512'], ['1000', '1k'], ['1100', '1100'], ['0.5', '500m'], ['100m', '100m'],
      ['1e3', '1e3'], ['1E6', '1e6'], ['10G', '10G'], ['2048', '2048'], [undefined, '0'], ['0Gi', '0'], [5, '5'],
      ['1000Ki', '1000Ki'], ['1024Ki', '1Mi'], ['500Ki', '500Ki'], ['0.5Ki', '512'], ['1.5Ki', '1536'], ['1n', '1n'], ['0.0000000001', '1n'], ['-1Gi', '-1Gi'],
    ];
    for (const [q, want] of cases) expect(formatQuantity(q), String(q)).toBe(want);
  });
});

describe('services', () => {
  const svc = (spec: any, status: any = {}) => ({ metadata: meta('web'), spec, status });
  it('columns', () => {
    expect(printers.services.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
  });
  it('ClusterIP with ports and selector', () => {
    const r = row('services', svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } }));
    expect(r).toEqual(['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP,53/UDP', '10s', 'app=web']);
  });
  it('headless without ports', () => {
    const r = row('services', svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }));
    expect(r.slice(2, 5)).toEqual(['None', '<none>', '<none>']);
    expect(r[6]).toBe('<none>');
  });
  it('NodePort shows port:nodePort and externalIPs', () => {
    const r = row('services', svc({ type: 'NodePort', clusterIPs: ['10.0.0.1'], externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }));
    expect(r.slice(3, 5)).toEqual(['1.2.3.4,5.6.7.8', '80:30080/TCP']);
  });
  it('LoadBalancer: pending, ingress (sorted, deduped), plus externalIPs', () => {
    expect(row('services', svc({ type: 'LoadBalancer' }))[3]).toBe('<pending>');
    const st = { loadBalancer: { ingress: [{ ip: '9.9.9.9' }, { hostname: 'lb.example.com' }, { ip: '1.1.1.1' }, { ip: '9.9.9.9' }] } };
    expect(row('services', svc({ type: 'LoadBalancer' }, st))[3]).toBe('1.1.1.1,9.9.9.9,lb.example.com');
    expect(row('services', svc({ type: 'LoadBalancer', externalIPs: ['8.8.8.8'] }, st))[3]).toBe('1.1.1.1,9.9.9.9,lb.example.com,8.8.8.8');
    expect(row('services', svc({ type: 'LoadBalancer', externalIPs: ['8.8.8.8'] }))[3]).toBe('8.8.8.8');
  });
  it('ExternalName and missing cluster IP', () => {
    const r = row('services', svc({ type: 'ExternalName', externalName: 'db.example.com' }));
    expect(r.slice(2, 4)).toEqual(['<none>', 'db.example.com']);
  });
});

describe('endpoints and endpointslices', () => {
  it('endpoints: ip:port, IPv6 brackets, + N more', () => {
    expect(row('endpoints', { metadata: meta('e') })[1]).toBe('<none>');
    const ep = { metadata: meta('e'), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] };
    expect(row('endpoints', ep)[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
    expect(row('endpoints', { metadata: meta('e'), subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] })[1]).toBe('[fd00::1]:80');
    expect(row('endpoints', { metadata: meta('e'), subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] })[1]).toBe('10.0.0.9');
  });
  it('endpointslices', () => {
    const es = { metadata: meta('s'), addressType: 'IPv4', ports: [{ port: 80 }, { name: 'x' }, {}, { port: 9 }], endpoints: [{ addresses: ['10.0.0.1'] }] };
    expect(row('endpointslices.discovery.k8s.io', es)).toEqual(['s', 'IPv4', '80,x,* + 1 more...', '10.0.0.1', '10s']);
    expect(row('endpointslices.discovery.k8s.io', { metadata: meta('s'), addressType: 'IPv4' }).slice(2, 4)).toEqual(['<unset>', '<unset>']);
  });
});

describe('persistent volumes and claims', () => {
  it('PV columns and cells', () => {
    expect(printers.persistentvolumes.columns.map((c) => c.name)).toEqual([
      'Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode',
    ]);
    const pv = {
      metadata: meta('pv1'),
      spec: { capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'www-web-0' }, storageClassName: 'manual', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    expect(row('persistentvolumes', pv)).toEqual(['pv1', '1Gi', 'RWO', 'Retain', 'Bound', 'default/www-web-0', 'manual', '<unset>', '', '10s', 'Filesystem']);
  });
  it('PV without claim, terminating, beta class annotation', () => {
    const pv = { metadata: meta('pv2', { deletionTimestamp: ago(0), annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } }), spec: { storageClassName: 'new' }, status: { phase: 'Available' } };
    const r = row('persistentvolumes', pv);
    expect(r.slice(1, 8)).toEqual(['0', '', '', 'Terminating', '', 'old', '<unset>']);
    expect(r[10]).toBe('<unset>');
  });
  it('PVC shows capacity and access modes only when bound', () => {
    const pending = { metadata: meta('c'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard' }, status: { phase: 'Pending' } };
    expect(row('persistentvolumeclaims', pending)).toEqual(['c', 'Pending', '', '', '', 'standard', '<unset>', '10s', '<unset>']);
    const bound = {
      metadata: meta('c'),
      spec: { volumeName: 'pv1', storageClassName: 'standard', volumeAttributesClassName: 'gold', volumeMode: 'Block' },
      status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] },
    };
    expect(row('persistentvolumeclaims', bound)).toEqual(['c', 'Bound', 'pv1', '2Gi', 'RWO,ROX', 'standard', 'gold', '10s', 'Block']);
  });
  it('storage classes', () => {
    const sc = { metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'rancher.io/local-path' };
    expect(row('storageclasses.storage.k8s.io', sc)).toEqual(['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false, '10s']);
    const sc2 = { metadata: meta('fast'), provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true };
    expect(row('storageclasses.storage.k8s.io', sc2)).toEqual(['fast', 'x', 'Retain', 'WaitForFirstConsumer', true, '10s']);
  });
});

describe('events', () => {
  const base = { metadata: meta('web-0.17a'), type: 'Normal', reason: 'Scheduled', involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{nginx}' }, message: ' Assigned \n', source: { component: 'default-scheduler' } };
  it('columns in upstream order', () => {
    expect(printers.events.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1],
    ]);
    expect(printers.events.columns[9].format).toBe('name');
  });
  it('lastTimestamp, count, source, trimmed message', () => {
    const e = { ...base, firstTimestamp: ago(10 * M), lastTimestamp: ago(2 * M), count: 3, source: { component: 'kubelet', host: 'node1' } };
    expect(row('events', e)).toEqual(['2m', 'Normal', 'Scheduled', 'pod/web-0', 'spec.containers{nginx}', 'kubelet, node1', 'Assigned', '10m', 3, 'web-0.17a']);
  });
  it('Last Seen falls back to firstTimestamp, then eventTime; count defaults to 1', () => {
    const r1 = row('events', { ...base, firstTimestamp: ago(4 * M) });
    expect([r1[0], r1[7], r1[8]]).toEqual(['4m', '4m', 1]);
    const r2 = row('events', { ...base, eventTime: '2024-06-01T11:57:00.000000Z', reportingComponent: 'ctrl', reportingInstance: 'ctrl-1', source: {} });
    expect([r2[0], r2[5], r2[7]]).toEqual(['3m', 'ctrl, ctrl-1', '3m']);
    const r3 = row('events', { ...base });
    expect([r3[0], r3[7]]).toEqual(['<unknown>', '<unknown>']);
  });
  it('series wins for Last Seen and Count', () => {
    const e = { ...base, eventTime: ago(30 * M), series: { count: 7, lastObservedTime: ago(90 * S) } };
    const r = row('events', e);
    expect([r[0], r[7], r[8]]).toEqual(['90s', '30m', 7]);
  });
  it('object without a name prints the kind only', () => {
    expect(row('events', { ...base, involvedObject: { kind: 'Node' } })[3]).toBe('node');
  });
  it('events.k8s.io/v1 maps note/regarding/deprecated fields', () => {
    const e = {
      metadata: meta('ev'),
      type: 'Warning',
      reason: 'FailedMount',
      note: 'no volume',
      regarding: { kind: 'Pod', name: 'web-1' },
      reportingController: 'kubelet',
      reportingInstance: 'node2',
      deprecatedFirstTimestamp: ago(20 * M),
      deprecatedLastTimestamp: ago(5 * M),
      deprecatedCount: 4,
    };
    expect(row('events.events.k8s.io', e)).toEqual(['5m', 'Warning', 'FailedMount', 'pod/web-1', '', 'kubelet, node2', 'no volume', '20m', 4, 'ev']);
  });
});

describe('apps, core and the default printer', () => {
  it('statefulset Ready and wide cells', () => {
    const sts = {
      metadata: meta('web'),
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] } } },
      status: { readyReplicas: 2 },
    };
    expect(printers['statefulsets.apps'].columns.map((c) => c.name)).toEqual(['Name', 'Ready', 'Age', 'Containers', 'Images']);
    expect(row('statefulsets.apps', sts)).toEqual(['web', '2/3', '10s', 'nginx,side', 'nginx:1.25,busybox']);
    expect(row('statefulsets.apps', { metadata: meta('x'), spec: { replicas: 0 }, status: {} })[1]).toBe('0/0');
    expect(row('statefulsets.apps', { metadata: meta('x'), spec: {}, status: {} })[1]).toBe('0/1');
  });
  it('controllerrevisions', () => {
    const cr = { metadata: meta('web-6d4b', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', controller: true }] }), revision: 2 };
    expect(row('controllerrevisions.apps', cr)).toEqual(['web-6d4b', 'statefulset.apps/web', 2, '10s']);
    expect(row('controllerrevisions.apps', { metadata: meta('r'), revision: 1 })[1]).toBe('<none>');
  });
  it('namespaces, nodes', () => {
    expect(row('namespaces', { metadata: meta('default'), status: { phase: 'Active' } })).toEqual(['default', 'Active', '10s']);
    const node = {
      metadata: meta('n1', { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/': '' } }),
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Debian' } },
    };
    expect(row('nodes', node)).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane,master', '10s', 'v1.33.0', '172.18.0.2', '<none>', 'Debian', '<unknown>', '<unknown>']);
    expect(row('nodes', { metadata: meta('n2'), status: {} }).slice(1, 3)).toEqual(['Unknown', '<none>']);
    expect(row('nodes', { metadata: meta('n3'), status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })[1]).toBe('NotReady');
  });
  it('configmaps, secrets, serviceaccounts, leases', () => {
    expect(row('configmaps', { metadata: meta('c'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })).toEqual(['c', 3, '10s']);
    expect(row('configmaps', { metadata: meta('c') })[1]).toBe(0);
    expect(row('secrets', { metadata: meta('s'), type: 'Opaque', data: { a: 'eA==' } })).toEqual(['s', 'Opaque', 1, '10s']);
    expect(row('serviceaccounts', { metadata: meta('default') })).toEqual(['default', 0, '10s']);
    expect(row('leases.coordination.k8s.io', { metadata: meta('l'), spec: { holderIdentity: 'n1' } })).toEqual(['l', 'n1', '10s']);
  });
  it('resourcequotas', () => {
    const rq = { metadata: meta('q'), status: { hard: { 'limits.cpu': '2', pods: '10', 'requests.memory': '1Gi' }, used: { pods: '3', 'requests.memory': '512Mi' } } };
    expect(row('resourcequotas', rq)).toEqual(['q', 'pods: 3/10, requests.memory: 512Mi/1Gi', 'limits.cpu: 0/2', '10s']);
  });
  it('default printer: Name and Created At', () => {
    expect(defaultPrinter.columns.map((c) => [c.name, c.type, c.format])).toEqual([['Name', 'string', 'name'], ['Created At', 'date', '']]);
    expect(defaultPrinter.row({ metadata: { name: 'x', creationTimestamp: '2024-06-01T11:00:00Z' } }, NOW)).toEqual(['x', '2024-06-01T11:00:00Z']);
    expect(printers.limitranges).toBe(defaultPrinter);
  });
  it('every printer: cells match the columns, Name column format is name', () => {
    for (const [res, p] of Object.entries(printers)) {
      const nameCol = p.columns.find((c) => c.name === 'Name');
      expect(nameCol?.format, res).toBe('name');
      expect(p.row({ metadata: { name: 'x' } }, NOW).length, res).toBe(p.columns.length);
      for (const c of p.columns) expect(c.description, `${res} ${c.name}`).toBeTruthy();
    }
  });
});

describe('columns follow the emulated version', () => {
  it('PV and PVC tables have VolumeAttributesClass from 1.29 on', async () => {
    const { printerForVersion } = await import('../../src/printers/index.js');
    const pv = { metadata: { name: 'v', creationTimestamp: new Date().toISOString() }, spec: { capacity: { storage: '5G' }, accessModes: ['ReadWriteOnce'] }, status: { phase: 'Available' } };
    for (const res of ['persistentvolumes', 'persistentvolumeclaims']) {
      const p28 = printerForVersion(printers[res], 28);
      const p29 = printerForVersion(printers[res], 29);
      expect(p28.columns.map((c) => c.name)).not.toContain('VolumeAttributesClass');
      expect(p29.columns.map((c) => c.name)).toContain('VolumeAttributesClass');
      expect(p28.row(pv, Date.now())).toHaveLength(p28.columns.length);
      expect(p29.row(pv, Date.now())).toHaveLength(p29.columns.length);
    }
    expect(printerForVersion(printers.pods, 27)).toBe(printers.pods);
  });
});
