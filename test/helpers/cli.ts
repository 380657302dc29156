// Starts the BUILT CLI (bin/kube-emulator.mjs, which runs the bundle dist/bundle/) on a free port, for the e2e tests of durability.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../bin/kube-emulator.mjs', import.meta.url));

export interface Running {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: any[];
}

const SECURITY_FLAGS = ['--insecure', '--insecure-http', '--tls-cert-file', '--tls-private-key-file', '--tls-san', '--authorization-mode', '--anonymous-auth', '--token-auth-file', '--service-account-issuer'];

/**
 * Starts the built CLI and resolves with the URL from its "serving" log line (JSON pino on stdout).
 * In the open mode (`--insecure`: plain HTTP, no authentication) unless `extra` has a security flag.
 */
export function startCLI(dataDir: string, extra: string[] = []): Promise<Running> {
  if (!existsSync(MAIN.replace(/bin[\\/]kube-emulator\.mjs$/, 'dist/bundle/kube-emulator.js'))) throw new Error(`the bundle beside ${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const secure = extra.some((a) => SECURITY_FLAGS.includes(a.split('=')[0]));
  const proc = spawn(process.execPath, [MAIN, '--port', '0', '--dns-port', '0', '--data-dir', dataDir, '--kubeconfig', '', '--log-level', 'info', ...(secure ? [] : ['--insecure']), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const logs: any[] = [];
  let stderr = '';
  proc.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolveStart, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within 10 s; stderr: ${stderr}`)), 10_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let rec: any;
        try {
          rec = JSON.parse(line);
        } catch {
          continue;
        }
        logs.push(rec);
        if (typeof rec.url === 'string' && /serving/.test(rec.msg ?? '')) {
          clearTimeout(timer);
          resolveStart({ proc, url: rec.url, exited, logs });
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
  });
}

