// E2E of issue 16's proof, the seed's own verification steps (statefulset-article.zh.txt, after
// `kubectl get pv -n sts`): the BUILT server started as a user would, `kube-emulator --nfs-root DIR`,
// over HTTPS with the kubeconfig it writes, with the seed's pv.yaml and sts.yaml unchanged and DIR
// holding one directory per NFS volume (DIR/172.16.1.2/data/volumes/vN/index.html = vN). From pod 0,
// `wget -O - -q sts-pod-contoller-N.sts-service` prints the content of the PV bound to pod N's claim
// (the binder decides which: the claim's spec.volumeName says), through the cluster DNS and the
// ikubernetes/myapp web server serving its mounted /usr/share/nginx/html; again after pod 1 is
// deleted and re-created, and after scaling to four. Real kubectl 1.33 (WebSocket, v5.channel.k8s.io)
// and 1.29 (SPDY/3.1).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableKubectls, type Kubectl } from '../helpers/kubectl.js';
import { PV_YAML, STS, STS_YAML, boundVolumeIndex, claim, getPod, makeNfsRoot, nfsVolumeDir, onTerminal, pod, podRunning, startRuntimeCluster, until, type RuntimeCluster } from './fixtures/exec/util.js';

const NS = 'sts';
const wget = (i: number) => `wget -O - -q ${pod(i)}.sts-service`;
/** what kubectl ≤1.30 prints for the article's `kubectl exec -it POD /bin/sh` (no `--`) */
const DEPRECATED = 'kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.';
/** kubectl -t with a stdin that is not a terminal (exec.go SetupTTY) */
const NO_TTY = 'Unable to use a TTY - input is not a terminal or the right kind of file';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: the seed walkthrough exec steps on NFS volumes', ({ minor, bin }) => {
  let c: RuntimeCluster;
  let k: Kubectl;
  let nfs: string;
  /** claim index -> N of the sts-pv-vN it is bound to */
  const vol: Record<number, number> = {};
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings.push(`${what}: ${Date.now() - t0} ms`);
    }
  };

  beforeAll(async () => {
    nfs = makeNfsRoot();
    c = await startRuntimeCluster(['--nfs-root', nfs]);
    k = c.kubectl(bin);
  }, 30_000);
  afterAll(async () => {
    if (timings.length) console.info(`kubectl 1.${minor} exec-seed timings:\n  ${timings.join('\n  ')}`);
    await c?.close();
  });

  /**
   * the article's interactive step, `kubectl exec -it -n sts sts-pod-contoller-0 /bin/sh`, then wget lines
   * on stdin (not a terminal: kubectl says so and goes on without a TTY). kubectl ≥1.31 no longer takes a
   * command without `--` (exec.go: "is not supported anymore"): there the same step has the `--`.
   */
  const interactive = async (lines: string[], asWritten = minor < 31) => {
    const args = ['exec', '-it', '-n', NS, pod(0), ...(asWritten ? [] : ['--']), '/bin/sh'];
    return timed(`exec -it /bin/sh with ${lines.length} wget lines`, () => k.run(args, { input: lines.map((l) => `${l}\n`).join('') + 'exit\n', timeoutMs: 20_000 }));
  };

  it('apply pv.yaml and sts.yaml: both pods Running, each claim Bound to a seed PV', async () => {
    await k.ok(['apply', '-f', PV_YAML]);
    expect(await k.ok(['apply', '-f', STS_YAML])).toBe(`service/sts-service created\nstatefulset.apps/${STS} created\n`);
    await timed('pods 0 and 1 Running', async () => {
      await podRunning(k, NS, pod(0));
      await podRunning(k, NS, pod(1));
    });
    for (const i of [0, 1]) vol[i] = await boundVolumeIndex(k, NS, claim(i));
    expect(vol[0]).not.toBe(vol[1]);
  });

  it("exec sh -c 'wget -O - -q sts-pod-contoller-1.sts-service' prints the content of pod 1's volume", async () => {
    const r = await timed('exec sh -c wget', () => k.run(['exec', '-n', NS, pod(0), '--', 'sh', '-c', wget(1)]));
    expect(r).toMatchObject({ code: 0, stdout: `v${vol[1]}\n`, stderr: '' });
    const r0 = await k.run(['exec', '-n', NS, pod(0), '--', 'sh', '-c', wget(0)]);
    expect(r0).toMatchObject({ code: 0, stdout: `v${vol[0]}\n` });
    // and straight from pod 1, by its own name
    const self = await k.run(['exec', '-n', NS, pod(1), '--', 'wget', '-O', '-', '-q', `${pod(1)}.sts-service`]);
    expect(self).toMatchObject({ code: 0, stdout: `v${vol[1]}\n` });
  });

  it('the mounted volume is the NFS directory: cat /usr/share/nginx/html/index.html in each pod', async () => {
    for (const i of [0, 1]) {
      const r = await k.run(['exec', '-n', NS, pod(i), '--', 'cat', '/usr/share/nginx/html/index.html']);
      expect(r).toMatchObject({ code: 0, stdout: `v${vol[i]}\n` });
    }
  });

  it('the article as written: exec -it /bin/sh, wget of pod 0 and pod 1 print v(pod 0) and v(pod 1)', async () => {
    const written = await interactive([wget(0), wget(1)], true);
    if (minor >= 31) {
      // kubectl's own refusal, before any request
      expect(written).toEqual({ code: 1, stdout: '', stderr: "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples\n" });
    } else {
      expect(written.code).toBe(0);
      expect(written.stdout).toBe(`v${vol[0]}\nv${vol[1]}\n`);
      expect(written.stderr).toContain(DEPRECATED);
      expect(written.stderr).toContain(NO_TTY);
    }
    const r = await interactive([wget(0), wget(1)], false);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`v${vol[0]}\nv${vol[1]}\n`);
    expect(r.stderr).toBe(`${NO_TTY}\n`);
  });

  it('at a terminal, as the article was typed: the prompt, the echoed command, then v(pod 0) and v(pod 1)', async () => {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const t = await timed('exec -it /bin/sh on a pty', () =>
      onTerminal(k, ['exec', '-it', '-n', NS, pod(0), '--', '/bin/sh'], [
        { expect: '/ # $', timeout: 10 },
        { send: `${wget(0)}\r` },
        { expect: `\r\nv${vol[0]}\r\n/ # $` },
        { send: `${wget(1)}\r` },
        { expect: `\r\nv${vol[1]}\r\n/ # $` },
        { send: 'exit\r' },
      ]),
    );
    expect(t.missed).toEqual([]);
    expect(t.code).toBe(0);
    // what the article shows, line by line (a terminal ends lines with CR LF)
    expect(t.transcript).toMatch(new RegExp(`/ # ${esc(wget(0))}\r\nv${vol[0]}\r\n/ # ${esc(wget(1))}\r\nv${vol[1]}\r\n/ # exit\r\n`));
    expect(t.transcript).not.toContain(NO_TTY);
  });

  it('after kubectl delete pod sts-pod-contoller-1, the re-created pod 1 serves the same volume', async () => {
    const before = (await getPod(k, NS, pod(1))).metadata.uid;
    // --wait=false: with zero-delay pod stages the pod is re-created under the same name between
    // kubectl's GET and its watch (volumes-seed.test.ts says why)
    await k.ok(['delete', 'pod', '-n', NS, pod(1), '--wait=false']);
    const p = await timed('pod 1 re-created and Running', () => podRunning(k, NS, pod(1), before));
    expect(p.metadata.uid).not.toBe(before);
    expect(await boundVolumeIndex(k, NS, claim(1))).toBe(vol[1]);
    // the name resolves to the new pod (its new IP) and serves what the volume holds
    const r = await until('wget of the re-created pod 1', async () => {
      const x = await k.run(['exec', '-n', NS, pod(0), '--', 'sh', '-c', wget(1)]);
      return x.code === 0 && x;
    });
    expect(r.stdout).toBe(`v${vol[1]}\n`);
    const it = await interactive([wget(1)]);
    expect(it).toMatchObject({ code: 0, stdout: `v${vol[1]}\n` });
  });

  it('scale --replicas=4: pods 2 and 3 bind two more PVs; wget of each of the four prints its own', async () => {
    await k.ok(['scale', '--replicas=4', '-n', NS, 'statefulset', STS]);
    await timed('pods 2 and 3 Running', async () => {
      await podRunning(k, NS, pod(2));
      await podRunning(k, NS, pod(3));
    });
    for (const i of [2, 3]) vol[i] = await boundVolumeIndex(k, NS, claim(i));
    expect(new Set([0, 1, 2, 3].map((i) => vol[i])).size).toBe(4);
    const r = await until('wget of all four pods', async () => {
      const x = await interactive([0, 1, 2, 3].map(wget));
      return x.code === 0 && x.stdout.split('\n').length === 5 && x;
    });
    expect(r.stdout).toBe([0, 1, 2, 3].map((i) => `v${vol[i]}\n`).join(''));
  });

  it('a write through exec lands in the NFS directory on the host, and pod 0 reads it over HTTP', async () => {
    const r = await k.run(['exec', '-n', NS, pod(3), '--', 'sh', '-c', 'echo changed-by-3 > /usr/share/nginx/html/index.html']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(nfsVolumeDir(nfs, vol[3]), 'index.html'), 'utf8')).toBe('changed-by-3\n');
    const w = await k.run(['exec', '-n', NS, pod(0), '--', 'sh', '-c', wget(3)]);
    expect(w).toMatchObject({ code: 0, stdout: 'changed-by-3\n' });
    // a new file in the volume of pod 2
    await k.ok(['exec', '-n', NS, pod(2), '--', 'sh', '-c', 'mkdir -p /usr/share/nginx/html/sub && echo deep > /usr/share/nginx/html/sub/page.html']);
    expect(readFileSync(join(nfsVolumeDir(nfs, vol[2]), 'sub', 'page.html'), 'utf8')).toBe('deep\n');
    const page = await k.run(['exec', '-n', NS, pod(0), '--', 'wget', '-O', '-', '-q', `http://${pod(2)}.sts-service/sub/page.html`]);
    expect(page).toMatchObject({ code: 0, stdout: 'deep\n' });
    // the other volumes are untouched
    for (const i of [0, 1]) expect(readFileSync(join(nfsVolumeDir(nfs, vol[i]), 'index.html'), 'utf8')).toBe(`v${vol[i]}\n`);
    expect(existsSync(join(nfsVolumeDir(nfs, vol[0]), 'sub'))).toBe(false);
  });

  it('wget of a name that does not resolve fails as busybox wget does, without a hang', async () => {
    const r = await k.run(['exec', '-n', NS, pod(0), '--', 'sh', '-c', 'wget -O - -q sts-pod-contoller-9.sts-service'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad address 'sts-pod-contoller-9\.sts-service'/);
    expect(r.stderr).toContain('command terminated with exit code 1');
  });
});
