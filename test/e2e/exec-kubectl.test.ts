// E2E of issue 16's proof with real kubectl 1.33 (WebSocket: v5.channel.k8s.io for exec/attach/cp,
// SPDY-over-WebSocket for port-forward) and 1.29 (SPDY/3.1 for all), against the BUILT server over
// HTTPS: exec exit codes and stderr as upstream reports them (`command terminated with exit code N`,
// kubectl exiting N), unknown containers and commands, closed stdin, `kubectl cp` both ways (tar
// through exec), `port-forward` and an HTTP GET through it, `logs` (the web server's access lines),
// `logs -f` ending when the pod goes, `logs --previous`, `attach`; and hostile input that must never
// reach the host outside the pod's directories.
// Upstream: staging/src/k8s.io/kubectl/pkg/cmd/exec/exec.go, pkg/cmd/cp/cp.go,
// pkg/cmd/portforward/portforward.go, staging/src/k8s.io/client-go/tools/remotecommand/,
// pkg/registry/core/pod/strategy.go (streamLocation: "container X is not valid for pod Y").
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableKubectls, type Kubectl } from '../helpers/kubectl.js';
import { Spawned, getPod, httpGet, manifest, podRunning, runWithInput, startRuntimeCluster, until, type RuntimeCluster } from './fixtures/exec/util.js';

const NS = 'exec-e2e';
const PODS = `apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: Pod
metadata: {name: box, namespace: ${NS}}
spec:
  containers:
  - name: box
    image: busybox:1.36
    command: ['sleep', '3600']
    env: [{name: GREETING, value: hello-env}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: ${NS}, labels: {app: web}}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: two, namespace: ${NS}}
spec:
  containers:
  - {name: first, image: busybox:1.36, command: ['sleep', '3600']}
  - {name: second, image: busybox:1.36, command: ['sleep', '3600']}
`;

/** kubectl's sentence for a non-zero exit (client-go remotecommand: CodeExitError) */
const exitLine = (n: number) => `command terminated with exit code ${n}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: exec, cp, port-forward, logs, attach on the simulated runtime', ({ minor, bin }) => {
  let c: RuntimeCluster;
  let k: Kubectl;
  const children: Spawned[] = [];
  const spawnK = (args: string[], opts?: { stdin?: boolean }) => {
    const s = new Spawned(k, args, opts);
    children.push(s);
    return s;
  };
  const timings: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings.push(`${what}: ${Date.now() - t0} ms`);
    }
  };
  const ex = (args: string[], opts?: { input?: string; timeoutMs?: number }) => k.run(['exec', '-n', NS, ...args], { timeoutMs: 20_000, ...opts });

  beforeAll(async () => {
    c = await startRuntimeCluster();
    k = c.kubectl(bin);
    await k.ok(['apply', '-f', manifest('pods.yaml', PODS)]);
    for (const p of ['box', 'web', 'two']) await podRunning(k, NS, p);
  }, 40_000);
  afterAll(async () => {
    for (const s of children) s.kill();
    if (timings.length) console.info(`kubectl 1.${minor} exec-kubectl timings:\n  ${timings.join('\n  ')}`);
    await c?.close();
  });

  describe('exec', () => {
    it('stdout and stderr apart; a non-zero exit is "command terminated with exit code 3" and kubectl exits 3', async () => {
      const r = await timed('exec sh -c (exit 3)', () => ex(['box', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']));
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('out\n');
      expect(r.stderr).toBe(`err\n${exitLine(3)}\n`);
    });

    it('exit 0 is silent; the exit status of the last command counts', async () => {
      expect(await ex(['box', '--', 'sh', '-c', 'false; true'])).toEqual({ code: 0, stdout: '', stderr: '' });
      const r = await ex(['box', '--', 'sh', '-c', 'true; false']);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `${exitLine(1)}\n` });
    });

    it('the container environment: env, hostname, printenv', async () => {
      expect((await ex(['box', '--', 'hostname'])).stdout).toBe('box\n');
      expect((await ex(['box', '--', 'printenv', 'GREETING'])).stdout).toBe('hello-env\n');
      const env = (await ex(['box', '--', 'env'])).stdout.split('\n');
      expect(env).toContain('HOSTNAME=box');
      expect(env).toContain('GREETING=hello-env');
      expect(env.some((l) => l.startsWith('PATH='))).toBe(true);
      // the service links of the namespace's services (none here) and of kubernetes in default only
      expect(env.some((l) => l.startsWith('KUBERNETES_SERVICE_HOST='))).toBe(true);
    });

    it('a command missing inside sh -c: "sh: nope: not found", exit 127', async () => {
      const r = await ex(['box', '--', 'sh', '-c', 'nope --flag']);
      expect(r.code).toBe(127);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^sh: nope: not found\n/);
      expect(r.stderr).toContain(exitLine(127));
    });

    it('exec of a command that does not exist: the runtime\'s start error, not a hang', async () => {
      const r = await timed('exec of a missing binary', () => ex(['box', '--', 'nope']));
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/"nope"|nope: not found/);
      expect(r.stderr).toMatch(/executable file not found in \$PATH|not found/);
    });

    it('an unknown container is refused before the upgrade: container nope is not valid for pod box', async () => {
      const r = await ex(['-c', 'nope', 'box', '--', 'true']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/container nope is not valid for pod box/);
    });

    it('an unknown pod: Error from server (NotFound)', async () => {
      const r = await ex(['nopod', '--', 'true']);
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr).toBe('Error from server (NotFound): pods "nopod" not found\n');
    });

    it('a pod of two containers: the first by default (kubectl says so), the other with -c', async () => {
      const d = await ex(['two', '--', 'sh', '-c', 'echo $HOSTNAME']);
      expect(d.code).toBe(0);
      expect(d.stdout).toBe('two\n');
      expect(d.stderr).toContain('Defaulted container "first" out of: first, second');
      // a file written in one container is not in the other's root
      await k.ok(['exec', '-n', NS, 'two', '-c', 'second', '--', 'sh', '-c', 'echo mine > /tmp/only-second']);
      expect((await ex(['two', '-c', 'second', '--', 'cat', '/tmp/only-second'])).stdout).toBe('mine\n');
      const other = await ex(['two', '-c', 'first', '--', 'cat', '/tmp/only-second']);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/cat: (can't open '\/tmp\/only-second'|\/tmp\/only-second): No such file or directory/);
    });

    it('stdin: exec -i cat echoes it; a closed (empty) stdin ends cat at once', async () => {
      const r = await timed('exec -i cat', () => ex(['-i', 'box', '--', 'cat'], { input: 'line one\nline two\n' }));
      expect(r).toEqual({ code: 0, stdout: 'line one\nline two\n', stderr: '' });
      const empty = await timed('exec -i cat, empty stdin', () => ex(['-i', 'box', '--', 'cat'], { input: '' }));
      expect(empty).toEqual({ code: 0, stdout: '', stderr: '' });
      // sh reading its script from stdin (no tty)
      const sh = await ex(['-i', 'box', '--', 'sh'], { input: 'echo a\necho b >&2\nexit 4\n' });
      expect(sh).toEqual({ code: 4, stdout: 'a\n', stderr: `b\n${exitLine(4)}\n` });
    });

    it('without -i the command gets no stdin: cat ends with nothing', async () => {
      const r = await ex(['box', '--', 'cat']);
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    });

    it('a larger output arrives whole (many frames)', async () => {
      const r = await timed('exec: 20000 lines of output', () => ex(['box', '--', 'sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done']));
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toHaveLength(20001);
      expect(lines[19999]).toBe('line-19999');
    });
  });

  describe('hostile input never reaches the host', () => {
    let hostDir: string;
    beforeAll(() => {
      hostDir = mkdtempSync(join(tmpdir(), 'host-secret-'));
      writeFileSync(join(hostDir, 'secret.txt'), 'HOST-SECRET-4711\n');
    });

    it('reading host paths, with and without .., finds nothing of the host', async () => {
      for (const p of [`${hostDir}/secret.txt`, `/../../../../..${hostDir}/secret.txt`, `../../../../../../..${hostDir}/secret.txt`]) {
        const r = await ex(['box', '--', 'cat', p]);
        expect(r.code).not.toBe(0);
        expect(r.stdout).not.toContain('HOST-SECRET');
      }
      const r = await ex(['box', '--', 'sh', '-c', `cd / && cd .. && cd .. && cat .${hostDir}/secret.txt; ls / ; ls /..`]);
      expect(r.stdout).not.toContain('HOST-SECRET');
      expect(r.stdout.split('\n')).not.toContain('work');
    });

    it('writes to host paths stay in the container', async () => {
      await ex(['box', '--', 'sh', '-c', `mkdir -p ${hostDir} && echo pwned > ${hostDir}/pwned; echo pwned > /../../..${hostDir}/pwned2`]);
      expect(readdirSync(hostDir)).toEqual(['secret.txt']);
    });

    it('a tar with ../ entries, absolute names and a symlink out of the container extracts inside it or not at all', async () => {
      const p = pack();
      p.entry({ name: `../../../../../../../..${hostDir}/evil1` }, 'evil\n');
      p.entry({ name: `${hostDir}/evil2` }, 'evil\n');
      p.entry({ name: 'link', type: 'symlink', linkname: hostDir });
      p.entry({ name: 'link/evil3' }, 'evil\n');
      p.entry({ name: 'ok.txt' }, 'fine\n');
      p.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of p) chunks.push(chunk as Buffer);
      await k.ok(['exec', '-n', NS, 'box', '--', 'mkdir', '-p', '/tmp/x']);
      const r = await runWithInput(k, ['exec', '-i', '-n', NS, 'box', '--', 'tar', 'xf', '-', '-C', '/tmp/x'], Buffer.concat(chunks));
      expect(r.code).not.toBeNull();
      expect(readdirSync(hostDir)).toEqual(['secret.txt']);
      // busybox tar writes the harmless member
      expect((await ex(['box', '--', 'cat', '/tmp/x/ok.txt'])).stdout).toBe('fine\n');
    });
  });

  describe('kubectl cp', () => {
    let local: string;
    beforeAll(() => {
      local = mkdtempSync(join(tmpdir(), 'cp-e2e-'));
      writeFileSync(join(local, 'one.txt'), 'one\n');
      mkdirSync(join(local, 'dir', 'sub'), { recursive: true });
      writeFileSync(join(local, 'dir', 'a.txt'), 'alpha\n');
      writeFileSync(join(local, 'dir', 'sub', 'b.txt'), 'beta\n');
      writeFileSync(join(local, 'blob.bin'), randomBytes(300_000));
    });

    it('a file into the pod', async () => {
      const r = await timed('cp file in', () => k.run(['cp', join(local, 'one.txt'), `${NS}/box:/tmp/one.txt`]));
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect((await ex(['box', '--', 'cat', '/tmp/one.txt'])).stdout).toBe('one\n');
    });

    it('a directory into the pod', async () => {
      const r = await k.run(['cp', join(local, 'dir'), `${NS}/box:/tmp/dir`]);
      expect(r).toMatchObject({ code: 0, stdout: '' });
      expect((await ex(['box', '--', 'cat', '/tmp/dir/a.txt', '/tmp/dir/sub/b.txt'])).stdout).toBe('alpha\nbeta\n');
    });

    it('a file and a directory out of the pod (-c given)', async () => {
      const out = mkdtempSync(join(tmpdir(), 'cp-out-'));
      const f = await timed('cp file out', () => k.run(['cp', '-c', 'box', `${NS}/box:/tmp/one.txt`, join(out, 'one-back.txt')]));
      expect(f.code).toBe(0);
      expect(readFileSync(join(out, 'one-back.txt'), 'utf8')).toBe('one\n');
      const d = await k.run(['cp', `${NS}/box:/tmp/dir`, join(out, 'dir-back')]);
      expect(d.code).toBe(0);
      expect(readFileSync(join(out, 'dir-back', 'a.txt'), 'utf8')).toBe('alpha\n');
      expect(readFileSync(join(out, 'dir-back', 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
    });

    it('300 kB of random bytes survive the round trip', async () => {
      const out = mkdtempSync(join(tmpdir(), 'cp-bin-'));
      expect((await timed('cp 300 kB in', () => k.run(['cp', join(local, 'blob.bin'), `${NS}/box:/tmp/blob.bin`]))).code).toBe(0);
      expect((await timed('cp 300 kB out', () => k.run(['cp', `${NS}/box:/tmp/blob.bin`, join(out, 'blob.bin')]))).code).toBe(0);
      expect(readFileSync(join(out, 'blob.bin')).equals(readFileSync(join(local, 'blob.bin')))).toBe(true);
    });

    it('cp from a path that does not exist fails and writes nothing', async () => {
      const out = mkdtempSync(join(tmpdir(), 'cp-none-'));
      // cp.go gives the remote tar's stderr to kubectl's stdout (TarPipe: ErrOut: o.Out); whether kubectl
      // prints it before it exits (1 from the exec's error, or 0 once the empty archive is read) is a
      // race between kubectl's own goroutines, so a run may print nothing: try up to three times
      const seen: string[] = [];
      for (let i = 0; i < 3 && !seen.includes('tar: /tmp/none.txt: No such file or directory\n'); i++) {
        const r = await k.run(['cp', `${NS}/box:/tmp/none.txt`, join(out, 'none.txt')], { timeoutMs: 20_000 });
        seen.push(r.stdout);
        expect(existsSync(join(out, 'none.txt'))).toBe(false);
      }
      expect(seen.every((s) => s === '' || s === 'tar: /tmp/none.txt: No such file or directory\n')).toBe(true);
      expect(seen).toContain('tar: /tmp/none.txt: No such file or directory\n');
    });
  });

  describe('port-forward', () => {
    beforeAll(async () => {
      await k.ok(['exec', '-n', NS, 'web', '--', 'sh', '-c', 'mkdir -p /usr/share/nginx/html && echo hello-web > /usr/share/nginx/html/index.html']);
    });

    it('port-forward pod/web :80, then GET / through it serves the document root', async () => {
      const pf = spawnK(['port-forward', '-n', NS, 'pod/web', ':80']);
      const m = await timed('port-forward ready', () => pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/, 'port-forward to be ready'));
      const port = Number(m[1]);
      const res = await timed('GET through port-forward', () => httpGet(port, '/'));
      expect(res.status).toBe(200);
      expect(res.body).toBe('hello-web\n');
      // several requests over fresh connections
      for (let i = 0; i < 3; i++) expect((await httpGet(port, '/index.html')).body).toBe('hello-web\n');
      const missing = await httpGet(port, '/nothing-here');
      expect(missing.status).toBe(404);
      expect(pf.stdout).toContain('Handling connection for');
      pf.kill();
    });

    it('port-forward to a service (svc/web) and with a local port given', async () => {
      await k.ok(['expose', 'pod', 'web', '-n', NS, '--port', '8080', '--target-port', '80']);
      const pf = spawnK(['port-forward', '-n', NS, 'svc/web', ':8080']);
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/, 'port-forward to the service to be ready');
      expect((await httpGet(Number(m[1]), '/')).body).toBe('hello-web\n');
      pf.kill();
    });

    it('a port nothing listens on: the connection fails, kubectl reports it and keeps going', async () => {
      const pf = spawnK(['port-forward', '-n', NS, 'pod/web', ':81']);
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 81/, 'port-forward :81 to be ready');
      await expect(httpGet(Number(m[1]), '/', 10_000)).rejects.toThrow();
      await pf.waitFor(/error forwarding port 81|connection refused|lost connection to pod/, 'kubectl to report the refused connection', 10_000, 'stderr');
      pf.kill();
    });
  });

  describe('logs and attach', () => {
    it('logs shows the web server access lines of the GETs', async () => {
      await k.ok(['exec', '-n', NS, 'box', '--', 'sh', '-c', `wget -O - -q http://${(await getPod(k, NS, 'web')).status.podIP}/`]);
      const logs = await until('an access line in the logs', async () => {
        const r = await k.run(['logs', '-n', NS, 'web']);
        return r.code === 0 && /"GET \/ HTTP\/1\.1" 200/.test(r.stdout) && r.stdout;
      });
      expect(logs).toMatch(/"GET \/ HTTP\/1\.1" 200 \d+/);
    });

    it('logs -f follows new lines and ends when the pod is deleted', async () => {
      const f = spawnK(['logs', '-f', '-n', NS, 'web']);
      const ip = (await getPod(k, NS, 'web')).status.podIP;
      // a 404: busybox wget exits 1 (server returned error), the access line is written all the same
      const w = await k.run(['exec', '-n', NS, 'box', '--', 'wget', '-O', '/dev/null', '-q', `http://${ip}/followed`]);
      expect(w.stderr).toContain('wget: server returned error: HTTP/1.1 404 Not Found');
      await f.waitFor(/GET \/followed HTTP\/1\.1" 404/, 'the followed access line');
      await k.ok(['delete', 'pod', '-n', NS, 'web', '--wait=false']);
      const e = await timed('logs -f ends after the pod is deleted', () => f.exit(20_000));
      expect(e.code).toBe(0);
    });

    it('logs --previous (a crash-looping container, kube-emulator.io/crash-loop): the output of the run before the restart; none for a container that never restarted', async () => {
      await k.ok([
        'apply',
        '-f',
        manifest('crash.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: crash, namespace: ${NS}, annotations: {kube-emulator.io/crash-loop: 'true'}}\nspec:\n  restartPolicy: Always\n  containers:\n  - name: crash\n    image: busybox:1.36\n    command: ['sh', '-c', 'echo run-output; exit 1']\n`),
      ]);
      await timed('crash restarted once', () =>
        until(
          'crash to restart',
          async () => {
            const p = await getPod(k, NS, 'crash');
            return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p;
          },
          40_000,
        ),
      );
      const prev = await until('logs --previous', async () => {
        const r = await k.run(['logs', '--previous', '-n', NS, 'crash']);
        return r.code === 0 && r;
      });
      expect(prev.stdout).toBe('run-output\n');
      const none = await k.run(['logs', '--previous', '-n', NS, 'box']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/previous terminated container "box" in pod "box" not found/);
    }, 60_000);

    it('attach -i to a main process that reads stdin (stdinOnce): its output comes back, and it ends with stdin', async () => {
      await k.ok([
        'apply',
        '-f',
        manifest('cat.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: catter, namespace: ${NS}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: catter\n    image: busybox:1.36\n    command: ['cat']\n    stdin: true\n    stdinOnce: true\n`),
      ]);
      await podRunning(k, NS, 'catter');
      const r = await timed('attach -i', () => k.run(['attach', '-i', '-n', NS, 'catter'], { input: 'attached-line\n', timeoutMs: 20_000 }));
      expect(r.stdout).toContain('attached-line\n');
      expect(r.code).toBe(0);
    }, 40_000);
  });
});

// --exec-mode local (opt-in, as kwok does): exec runs real local commands. Without it the same command
// is not found in the simulated container.
describe.each(availableKubectls([33, 29]).slice(0, 1))('kubectl 1.$minor: --exec-mode local runs real local commands', ({ bin }) => {
  let c: RuntimeCluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startRuntimeCluster(['--exec-mode', 'local']);
    k = c.kubectl(bin);
    await k.ok(['apply', '-f', manifest('pods.yaml', PODS)]);
    await podRunning(k, NS, 'box');
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  });

  it('a host binary runs and its output and exit code come back', async () => {
    const r = await k.run(['exec', '-n', NS, 'box', '--', '/usr/bin/python3', '-c', 'import sys; print(6*7); sys.exit(2)'], { timeoutMs: 20_000 });
    expect(r.stdout).toBe('42\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(exitLine(2));
  });
});

describe.each(availableKubectls([33, 29]).slice(0, 1))('kubectl 1.$minor: without --exec-mode local, host binaries are not reachable', ({ bin }) => {
  let c: RuntimeCluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startRuntimeCluster();
    k = c.kubectl(bin);
    await k.ok(['apply', '-f', manifest('pods.yaml', PODS)]);
    await podRunning(k, NS, 'box');
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  });

  it('/usr/bin/python3 does not exist in the simulated container', async () => {
    const r = await k.run(['exec', '-n', NS, 'box', '--', 'sh', '-c', '/usr/bin/python3 -c "print(6*7)"'], { timeoutMs: 20_000 });
    expect(r.stdout).not.toContain('42');
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/sh: \/usr\/bin\/python3: not found/);
  });
});
