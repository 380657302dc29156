// E2E with real kubectl: a changed pod image restarts its container (set image pod, RESTARTS,
// describe events), failing image pulls (ErrImagePull / ImagePullBackOff in STATUS), `logs -f`
// following until the pod is deleted, `logs --previous` before and after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { getJSON, poll, startCluster, type Cluster } from './fixtures/sts/util.js';

const NS = 'real';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: pod realism', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  const row = async (name: string) => {
    const out = await k.ok(['get', 'pod', name, '-n', NS, '--no-headers']);
    const [, ready, status] = out.trim().split(/\s+/);
    return { ready, status, raw: out };
  };
  const running = (name: string, restarts: number) =>
    poll(async () => {
      const p = await getJSON(k, ['pod', name, '-n', NS]);
      const cs = p.status?.containerStatuses?.[0];
      return cs?.state?.running && cs.ready && cs.restartCount === restarts && p;
    }, `${name} running with ${restarts} restarts`);

  it('set image pod: the container restarts with the new image (RESTARTS 1, describe events), logs --previous', async () => {
    await k.ok(['run', 'web', '-n', NS, '--image=nginx:1.27']);
    const before = await running('web', 0);
    const prev0 = await k.run(['logs', 'web', '-n', NS, '--previous']);
    expect(prev0.code).not.toBe(0);
    expect(prev0.stderr.trim()).toBe('Error from server (BadRequest): previous terminated container "web" in pod "web" not found');
    expect(await k.ok(['set', 'image', 'pod/web', '-n', NS, 'web=nginx:1.26'])).toBe('pod/web image updated\n');
    const p = await running('web', 1);
    expect(p.status.containerStatuses[0].image).toBe('docker.io/library/nginx:1.26');
    expect(p.status.containerStatuses[0].containerID).not.toBe(before.status.containerStatuses[0].containerID);
    const r = await row('web');
    expect(r.raw).toMatch(/^web\s+1\/1\s+Running\s+1 \(\d+s ago\)\s+\d+s\s*$/);
    const d = await k.ok(['describe', 'pod', 'web', '-n', NS]);
    expect(d).toMatch(/Image:\s+nginx:1\.26\n/);
    expect(d).toMatch(/Restart Count:\s+1\n/);
    expect(d).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+Completed\n\s+Exit Code:\s+0\n/);
    expect(d).toMatch(/Normal\s+Killing\s+\S+\s+kubelet\s+Container web definition changed, will be restarted\n/);
    expect(d).toMatch(/Normal\s+Pulling\s+\S+\s+kubelet\s+Pulling image "nginx:1\.26"\n/);
    expect(d).toMatch(/Normal\s+Started\s+\S+( \(x2 over \S+\))?\s+kubelet\s+Started container web\n/);
    // each run of the container has its own log: nginx's start-up lines (the runtime's web server)
    const prev = await k.ok(['logs', 'web', '-n', NS, '--previous', '--timestamps']);
    expect(prev).toContain('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    const cur = await poll(async () => {
      const out = await k.ok(['logs', 'web', '-n', NS, '--timestamps']);
      return out.includes('start worker processes') && out;
    }, 'the new run logging');
    expect(Date.parse(cur.split(' ')[0])).toBeGreaterThan(Date.parse(prev.split(' ')[0]));
    const bad = await k.run(['logs', 'web', '-n', NS, '-c', 'nope']);
    expect(bad.stderr.trim()).toBe('error: container nope is not valid for pod web');
  });

  it('an image that cannot be pulled: ErrImagePull / ImagePullBackOff in STATUS, Pending; a good image recovers', async () => {
    await k.ok(['run', 'bad', '-n', NS, '--image=nginx:doesnotexist', '--annotations=kube-emulator.io/image-pull-error=nginx:doesnotexist']);
    const seen = new Set<string>();
    await poll(async () => {
      seen.add((await row('bad')).status);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, 'both pull failure statuses');
    expect((await row('bad')).ready).toBe('0/1');
    const p = await getJSON(k, ['pod', 'bad', '-n', NS]);
    expect(p.status.phase).toBe('Pending');
    const d = await k.ok(['describe', 'pod', 'bad', '-n', NS]);
    expect(d).toMatch(/Warning\s+Failed\s+.*kubelet\s+Failed to pull image "nginx:doesnotexist": rpc error: code = NotFound desc = failed to pull and unpack image "docker\.io\/library\/nginx:doesnotexist"/);
    expect(d).toMatch(/Warning\s+Failed\s+.*kubelet\s+Error: ErrImagePull\n/);
    expect(d).toMatch(/Normal\s+BackOff\s+.*kubelet\s+Back-off pulling image "nginx:doesnotexist"\n/);
    const logs = await k.run(['logs', 'bad', '-n', NS]);
    expect(logs.stderr.trim()).toMatch(/^Error from server \(BadRequest\): container "bad" in pod "bad" is waiting to start: (image can't be pulled|trying and failing to pull image)$/);
    await k.ok(['set', 'image', 'pod/bad', '-n', NS, 'bad=nginx:1.27']);
    await running('bad', 0);
    expect((await row('bad')).status).toBe('Running');
  });

  it('logs -f follows and returns when the pod is deleted', async () => {
    await k.ok(['run', 'follow', '-n', NS, '--image=nginx:1.27']);
    await running('follow', 0);
    let returned = false;
    const f = k.run(['logs', '-f', 'follow', '-n', NS], { timeoutMs: 20_000 }).then((r) => {
      returned = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(returned).toBe(false);
    await k.ok(['delete', 'pod', 'follow', '-n', NS, '--wait=false']);
    const r = await f;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    expect(lines.some((l) => l.endsWith('[notice] 1#1: start worker processes'))).toBe(true);
  });
});
