// E2E (real kubectl, full cluster): what kubectl does with what discovery advertises. `kubectl
// drain` finds pods/eviction (policy/v1 Eviction) in /api/v1 and evicts the pods
// (k8s.io/kubectl/pkg/drain CheckEvictionSupport); `kubectl debug` gets the route's 404 with empty
// details for the unserved ephemeralcontainers and says they are disabled instead of panicking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { lines, manifest, poll } from './fixtures/util.js';

const NODE = 'kube-emulator-node';
const podYAML = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  containers:\n  - name: c\n    image: busybox\n`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: drain through pods/eviction, debug against unadvertised ephemeralcontainers', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer({ controllers: ['*'] });
    k = new Kubectl(bin, srv.url);
    await k.ok(['apply', '-f', manifest(`dr-${minor}.yaml`, podYAML('dr-a') + '---\n' + podYAML('dr-b'))]);
    await poll(async () => (await k.ok(['get', 'pods', '-o', 'jsonpath={.items[*].status.phase}'])).trim() === 'Running Running', 'pods running');
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('kubectl debug says ephemeral containers are disabled (no panic)', async () => {
    const r = await k.run(['debug', 'dr-a', '--image=busybox']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/panic|nil pointer/);
    // 1.33 first warns that --profile=legacy is deprecated
    expect(lines(r.stderr).at(-1)).toBe('error: ephemeral containers are disabled for this cluster (error from server: "the server could not find the requested resource")');
  });

  // kubectl 1.32+ sends the Eviction as protobuf
  it('kubectl drain --force evicts the pods (pods/eviction is advertised) and the node ends cordoned and empty', async () => {
    const r = await k.run(['drain', NODE, '--force', '--timeout=30s']);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe(`node/${NODE} cordoned`);
    expect(out.filter((l) => l.startsWith('pod/')).sort()).toEqual(['pod/dr-a evicted', 'pod/dr-b evicted']);
    expect(out.filter((l) => l.startsWith('evicting pod ')).sort()).toEqual(['evicting pod default/dr-a', 'evicting pod default/dr-b']);
    expect(out[out.length - 1]).toBe(`node/${NODE} drained`);
    expect(r.stderr).toContain('Warning: deleting Pods that declare no controller: default/dr-a, default/dr-b');
    expect(await k.ok(['get', 'pods', '-o', 'name'])).toBe('');
    expect((await k.ok(['get', 'node', NODE, '-o', 'jsonpath={.spec.unschedulable}'])).trim()).toBe('true');
  });
});
