// E2E: `kubectl get -w` as a user runs it: a long-lived child process whose rows appear as
// objects are created, changed and deleted.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, POD_HEADER, parseTable, poll, CORE_ONLY } from './fixtures/util.js';

interface Watcher {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function watch(k: Kubectl, args: string[]): Watcher {
  const child = spawn(k.bin, ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, ...args], { env: { ...process.env, KUBECONFIG: k.kubeconfig } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

const podYAML = (name: string, ns: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels:\n    app: w\nspec:\n  containers:\n  - name: c\n    image: nginx\n`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: get -w', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  const running: Watcher[] = [];
  const start = (args: string[]) => {
    const w = watch(k, args);
    running.push(w);
    return w;
  };
  /** Starts `kubectl get -w` and waits until its watch request is being served. */
  const startWatching = async (args: string[]) => {
    // watchers killed by an earlier test may still be counted until the server sees the close
    const mine = () => running.filter((r) => r.child.exitCode === null).length;
    await poll(() => srv.watches.count === mine(), 'earlier watches to end');
    const w = start(args);
    await poll(() => srv.watches.count === mine() || w.child.exitCode !== null, 'the watch to start');
    expect(w.child.exitCode, w.err()).toBeNull();
    return w;
  };
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
    await k.ok(['create', 'ns', 'w']);
  });
  afterEach(async () => {
    for (const w of running.splice(0)) {
      if (w.child.exitCode === null) w.child.kill('SIGTERM');
      await w.exited;
    }
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('rows appear as a pod is created, labelled and deleted', async () => {
    const w = await startWatching(['get', 'pods', '-n', 'w', '-w']);
    await k.ok(['create', '-f', '-'], { input: podYAML(`p-${minor}`, 'w') });
    const added = await poll(() => {
      const t = parseTable(w.out());
      return t.rows.length >= 1 && t;
    }, 'the ADDED row');
    expect(added.header).toEqual(POD_HEADER);
    expect(added.rows[0]).toEqual([`p-${minor}`, '0/1', 'Pending', '0', expect.stringMatching(AGE)]);

    await k.ok(['label', 'pod', `p-${minor}`, '-n', 'w', 'extra=1']);
    await poll(() => parseTable(w.out()).rows.length >= 2, 'the MODIFIED row');
    expect(await k.ok(['delete', 'pod', `p-${minor}`, '-n', 'w'])).toBe(`pod "p-${minor}" deleted\n`);
    const t = await poll(() => {
      const t = parseTable(w.out());
      return t.rows.length >= 3 && t;
    }, 'the DELETED row');
    // the header is printed once; every event is one more row of the same pod
    expect(w.out().split('\n').filter((l) => l.startsWith('NAME'))).toHaveLength(1);
    expect(t.rows.map((r) => r.slice(0, 4))).toEqual([0, 1, 2].map(() => [`p-${minor}`, '0/1', 'Pending', '0']));
    expect(w.child.exitCode).toBeNull();
    w.child.kill('SIGTERM');
    await w.exited;
  });

  it('--output-watch-events shows the event types; a label selector filters', async () => {
    const w = await startWatching(['get', 'pods', '-n', 'w', '-w', '--output-watch-events', '-l', 'app=w']);
    await k.ok(['create', '-f', '-'], { input: podYAML('e1', 'w') });
    await k.ok(['create', '-f', '-'], { input: podYAML('other', 'w').replace('app: w', 'app: x') });
    await k.ok(['delete', 'pod', 'e1', '-n', 'w']);
    const t = await poll(() => {
      const t = parseTable(w.out());
      return t.rows.length >= 2 && t;
    }, 'ADDED and DELETED events');
    expect(t.header).toEqual(['EVENT', ...POD_HEADER]);
    expect(t.rows.map((r) => [r[0], r[1]])).toEqual([
      ['ADDED', 'e1'],
      ['DELETED', 'e1'],
    ]);
    expect(w.out()).not.toContain('other');
  });

  it('get NAME -w starts with the current row, then follows that object only', async () => {
    await k.ok(['create', '-f', '-'], { input: podYAML('one', 'w') });
    const w = await startWatching(['get', 'pod', 'one', '-n', 'w', '-w']);
    await poll(() => parseTable(w.out()).rows.length >= 1, 'the current row');
    await k.ok(['create', '-f', '-'], { input: podYAML('two', 'w') });
    await k.ok(['annotate', 'pod', 'one', '-n', 'w', 'a=b']);
    const t = await poll(() => {
      const t = parseTable(w.out());
      return t.rows.length >= 2 && t;
    }, 'the MODIFIED row');
    expect(t.rows.map((r) => r[0])).toEqual(['one', 'one']);
  });

  it('get -A -w shows the NAMESPACE column', async () => {
    const w = await startWatching(['get', 'pods', '-A', '-w']);
    await poll(() => parseTable(w.out()).rows.length >= 3, 'the current pods');
    expect(parseTable(w.out()).rows.map((r) => r[1])).toEqual(['one', 'other', 'two']);
    await k.ok(['create', 'ns', 'w2']);
    await k.ok(['create', '-f', '-'], { input: podYAML('far', 'w2') });
    const t = await poll(() => {
      const t = parseTable(w.out());
      return t.rows.some((r) => r[1] === 'far') && t;
    }, 'the new pod in another namespace');
    expect(t.header).toEqual(['NAMESPACE', ...POD_HEADER]);
    expect(t.rows.find((r) => r[1] === 'far')?.[0]).toBe('w2');
  });
});
