// Starts an in-memory kube-emulator on a free port for a test file. By default no controllers run
// (API machinery tests see exactly what they write); pass `controllers: ['*']` for the cluster,
// with zero-delay pod stages.
import { createServer, type KubeEmulator, type ServerOptions } from '../../src/server/app.js';

export async function startServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  return createServer({ inMemory: true, port: 0, logLevel: 'silent', controllers: [], podStages: 'fast', ...opts });
}
