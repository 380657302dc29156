// Starts an in-memory kube-emulator on a free port for a test file. By default no controllers run
// (API machinery tests see exactly what they write, and the ServiceAccount admission plugin is off
// unless the controller that makes `default` accounts runs); pass `controllers: ['*']` for the cluster,
// with zero-delay pod stages. The server is in the open mode (plain HTTP, no authentication) unless
// the caller passes `security`.
import { tmpdir } from 'node:os';
import { createServer, type KubeEmulator, type ServerOptions } from '../../src/server/app.js';
import type { ControllerOptions } from '../../src/controllers/manager.js';

export async function startServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  const controllers = opts.controllers ?? [];
  // Without the ServiceAccount controller no namespace has its `default` account, so every pod
  // create would be refused: the ServiceAccount admission plugin is then off (as
  // --disable-admission-plugins ServiceAccount), unless the test says otherwise.
  const disableAdmissionPlugins = opts.disableAdmissionPlugins ?? (runsController(controllers, 'serviceaccount') ? [] : ['ServiceAccount']);
  return createServer({ inMemory: true, port: 0, logLevel: 'silent', podStages: 'fast', security: { open: true }, ...opts, controllers, disableAdmissionPlugins });
}

/** Whether a --controllers list runs a controller (ControllerManager.start's rule). */
function runsController(enabled: string[], name: string): boolean {
  return (enabled.includes('*') && !enabled.includes(`-${name}`)) || enabled.includes(name);
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
