// Starts an in-memory kube-emulator on a free port for a test file. By default no controllers run
// (API machinery tests see exactly what they write); pass `controllers: ['*']` for the cluster,
// with zero-delay pod stages. The server is in the open mode (plain HTTP, no authentication) unless
// the caller passes `security`.
import { tmpdir } from 'node:os';
import { createServer, type KubeEmulator, type ServerOptions } from '../../src/server/app.js';
import type { ControllerOptions } from '../../src/controllers/manager.js';

export async function startServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  return createServer({ inMemory: true, port: 0, logLevel: 'silent', controllers: [], podStages: 'fast', security: { open: true }, ...opts });
}

/** Controller-manager options for tests: one node, zero-delay pod stages, emulating 1.33. */
export function testControllerOptions(overrides: Partial<ControllerOptions> = {}): ControllerOptions {
  return { nodes: 1, podStages: 'fast', emulatedMinor: 33, kubeletVersion: 'v1.33.0', defaultStorageClass: false, volumesDir: tmpdir(), ...overrides };
}

/**
 * Waits for the controllers to settle until `get` gives a truthy value, and returns it; fails
 * after `ms`.
 */
export async function untilSettled<T>(mgr: { settled(): Promise<void> }, get: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    await mgr.settled();
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
