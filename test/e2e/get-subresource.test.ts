// E2E: `kubectl get --subresource=status|scale` prints the kind's columns (the status
// subresource's Table is the store's printer; ScaleREST prints Name/Desired/Available/Age),
// not the NAME/AGE fallback a non-Table answer gets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, POD_HEADER, CORE_ONLY, parseTable } from './fixtures/util.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: sub-pod
spec:
  containers:
  - name: c
    image: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: sub-sts
spec:
  replicas: 2
  serviceName: sub-sts
  selector:
    matchLabels: {app: sub-sts}
  template:
    metadata:
      labels: {app: sub-sts}
    spec:
      containers:
      - name: c
        image: nginx
`;

describe.each(availableKubectls([33, 27]))('kubectl 1.$minor: get --subresource', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
    await k.ok(['create', '-f', '-'], { input: MANIFEST });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('get pod --subresource=status: the pod columns', async () => {
    const t = parseTable(await k.ok(['get', 'pod', 'sub-pod', '--subresource=status']));
    expect(t.header).toEqual(POD_HEADER);
    expect(t.rows).toEqual([['sub-pod', '0/1', 'Pending', '0', expect.stringMatching(AGE)]]);
    const wide = parseTable(await k.ok(['get', 'pod', 'sub-pod', '--subresource=status', '-o', 'wide']));
    expect(wide.header).toEqual([...POD_HEADER, 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  });

  it('get sts --subresource=status and --subresource=scale', async () => {
    const st = parseTable(await k.ok(['get', 'sts', 'sub-sts', '--subresource=status']));
    expect(st.header).toEqual(['NAME', 'READY', 'AGE']);
    expect(st.rows).toEqual([['sub-sts', '0/2', expect.stringMatching(AGE)]]);
    const sc = parseTable(await k.ok(['get', 'sts', 'sub-sts', '--subresource=scale']));
    expect(sc.header).toEqual(['NAME', 'DESIRED', 'AVAILABLE', 'AGE']);
    expect(sc.rows).toEqual([['sub-sts', '2', '0', expect.stringMatching(AGE)]]);
  });

  it('-o json still answers the object itself', async () => {
    const pod = JSON.parse(await k.ok(['get', 'pod', 'sub-pod', '--subresource=status', '-o', 'json']));
    expect(pod).toMatchObject({ kind: 'Pod', metadata: { name: 'sub-pod' } });
    const scale = JSON.parse(await k.ok(['get', 'sts', 'sub-sts', '--subresource=scale', '-o', 'json']));
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 } });
  });
});
