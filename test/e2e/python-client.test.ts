// The official Python client (Debian's python3-kubernetes, for /usr/bin/python3) against the
// server: it spells booleans the Python way (watch=True, force=True), which apimachinery's query
// conversion reads as true (pkg/runtime/conversion.go Convert_Slice_string_To_bool).
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/python/watch_and_apply.py', import.meta.url));
const probe = spawnSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
const hasClient = !probe.error && probe.status === 0;
if (!hasClient) console.warn(`python-client e2e skipped: ${PYTHON} cannot import kubernetes (apt-get install python3-kubernetes)`);

describe.skipIf(!hasClient)('official Python client', () => {
  let emu: KubeEmulator;
  beforeAll(async () => {
    emu = await startServer();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('watch.Watch().stream yields ADDED events; apply with force=True takes a conflicting field over', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, [SCRIPT, emu.url, 'default'], { timeout: 30_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    const results = Object.assign({}, ...stdout.trim().split('\n').map((l) => JSON.parse(l)));
    expect(results.watch).toEqual([
      ['ADDED', 'py-a'],
      ['ADDED', 'py-b'],
    ]);
    expect(results.first).toEqual({ status: 200, value: '1', managers: ['py-one'] });
    expect(results.conflict).toEqual({ status: 409, reason: 'Conflict' });
    expect(results.forced).toEqual({ status: 200, value: '2', managers: ['py-two'] });
  }, 40_000);
});
