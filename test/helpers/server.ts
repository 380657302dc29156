// Starts an in-memory kube-emulator on a free port for a test file.
import { createServer, type KubeEmulator, type ServerOptions } from '../../src/server/app.js';

export async function startServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  return createServer({ inMemory: true, port: 0, logLevel: 'silent', ...opts });
}
