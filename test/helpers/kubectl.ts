// Runs a pinned real kubectl against a test server, with a private cache dir (the dispatcher's
// and the discovery caches outlive a server).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

let kubectlDir: string | undefined | null = null;

/** The directory holding kubectl.1.27 ... kubectl.1.33, or undefined when none is installed. */
export function kubectlBinDir(): string | undefined {
  if (kubectlDir !== null) return kubectlDir;
  try {
    const which = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    kubectlDir = dirname(realpathSync(which));
  } catch {
    kubectlDir = undefined;
  }
  return kubectlDir;
}

export function kubectlPath(minor: number): string | undefined {
  const dir = kubectlBinDir();
  if (!dir) return undefined;
  const p = join(dir, `kubectl.1.${minor}`);
  return existsSync(p) ? p : undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly cacheDir: string;
  readonly kubeconfig: string;
  /** `kubeconfigYAML`: a kubeconfig of its own (e.g. `emu.kubeconfig()` for an HTTPS server); else one with a dummy token */
  constructor(
    readonly bin: string,
    readonly server: string,
    kubeconfigYAML?: string,
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
    this.cacheDir = join(dir, 'cache');
    this.kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      this.kubeconfig,
      kubeconfigYAML ??
      `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: ${server}\n  name: e\ncontexts:\n- context:\n    cluster: e\n    user: e\n  name: e\ncurrent-context: e\nusers:\n- name: e\n  user:\n    token: t\n`,
    );
  }

  run(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        this.bin,
        ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args],
        { timeout: opts.timeoutMs ?? 30_000, env: { ...process.env, KUBECONFIG: this.kubeconfig, ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const raw: unknown = err ? (err as { code?: unknown }).code : 0;
          resolve({ code: typeof raw === 'number' ? raw : err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (opts.input !== undefined) {
        child.stdin?.write(opts.input);
        child.stdin?.end();
      }
    });
  }

  /** Runs and expects success; returns stdout. */
  async ok(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
}

/** Versions to run e2e tests with; those not installed are reported and skipped. */
export function availableKubectls(minors: number[]): { minor: number; bin: string }[] {
  const out: { minor: number; bin: string }[] = [];
  for (const m of minors) {
    const bin = kubectlPath(m);
    if (bin) out.push({ minor: m, bin });
    else console.warn(`\n!!! kubectl 1.${m} is not installed: its e2e tests are SKIPPED !!!\n`);
  }
  return out;
}
