// The simulated container runtime (issue 16): built by createServer when the node agent runs.
// See runtime.ts (containers), network.ts (the pod network), volumes.ts (volumes as directories),
// webserver.ts (web-server images), config.ts (image profiles, --runtime-config), env.ts.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import type { InformerFactory } from '../controllers/informer.js';
import { loadRuntimeConfig, type RuntimeConfig } from './config.js';
import { SimulatedRuntime, type RuntimeParts } from './runtime.js';

export { SimulatedRuntime, type RuntimeParts, type SimulatedRuntimeOptions } from './runtime.js';
export { parseRuntimeConfig, loadRuntimeConfig, ImageProfiles, imageMatches, ANN_PORT_FORWARD, type RuntimeConfig, type ImageProfile } from './config.js';

/** ServerOptions.runtimeOptions (the CLI's --image-dir, --nfs-root, --host-path-root, --runtime-config, --exec-mode). */
export interface RuntimeOptions {
  /** no runtime at all (exec, attach and port-forward answer as without one) */
  disabled?: boolean;
  imageDir?: string;
  nfsRoot?: string;
  hostPathRoot?: string;
  /** a --runtime-config YAML file */
  configFile?: string;
  config?: RuntimeConfig;
  /** 'local' runs real local commands for exec (kwok's way: a risk, see the README) */
  execMode?: 'builtin' | 'local';
  /** implementations to use instead of the built-in ones (tests) */
  parts?: Partial<RuntimeParts>;
}

/**
 * The other parts of the runtime, loaded when the runtime is built (lazily: start-up stays fast).
 * Each is one import of the module that implements it.
 */
export async function loadRuntimeParts(ctx: { dataDir?: string; logger?: Logger } = {}): Promise<Partial<RuntimeParts>> {
  const [fs, shell, local, main, logs] = await Promise.all([import('./fs.js'), import('./shell/index.js'), import('./shell/local.js'), import('./mainprocess.js'), import('./logs.js')]);
  return {
    createFS: fs.createContainerFS,
    runCommand: shell.runCommand,
    localRunCommand: local.localRunCommand,
    startMainProcess: main.startMainProcess,
    // one store: the runtime writes it, pods/log reads it (runtime.logs); on disk as /var/log/pods
    logs: new logs.LogStore({ dir: ctx.dataDir ? join(ctx.dataDir, 'logs') : undefined, logger: ctx.logger?.child({ component: 'logs' }) }),
  };
}

export interface BuildRuntimeContext {
  registry: Registry;
  informers: InformerFactory;
  logger: Logger;
  /** the data dir (unset with inMemory: a temporary root) */
  dataDir?: string;
  volumesDir: string;
  /** the cluster DNS address pods are given */
  nameserver?: string;
}

/** Builds the runtime, or undefined when it is disabled or a part is missing (logged). */
export async function buildRuntime(opts: RuntimeOptions, ctx: BuildRuntimeContext): Promise<SimulatedRuntime | undefined> {
  if (opts.disabled) return undefined;
  const parts = { ...(await loadRuntimeParts({ dataDir: ctx.dataDir, logger: ctx.logger })), ...(opts.parts ?? {}) };
  const log = ctx.logger.child({ component: 'runtime' });
  if (!parts.createFS || !parts.runCommand) {
    log.info('container runtime: the filesystem or the shell is not available; exec, attach and port-forward are off');
    return undefined;
  }
  if (opts.execMode === 'local' && !parts.localRunCommand) throw new Error('--exec-mode local: local commands are not available in this build');
  const config = opts.config ?? (opts.configFile ? await loadRuntimeConfig(opts.configFile) : undefined);
  if (opts.execMode === 'local') log.warn('--exec-mode local: kubectl exec runs real commands on this machine, as this user');
  return new SimulatedRuntime({
    registry: ctx.registry,
    informers: ctx.informers,
    logger: ctx.logger,
    root: ctx.dataDir ? join(ctx.dataDir, 'runtime') : undefined,
    volumesDir: ctx.volumesDir,
    nfsRoot: opts.nfsRoot ?? (ctx.dataDir ? join(ctx.dataDir, 'nfs') : undefined),
    hostPathRoot: opts.hostPathRoot,
    imageDir: opts.imageDir,
    config,
    execMode: opts.execMode,
    nameserver: ctx.nameserver,
    createFS: parts.createFS,
    runCommand: parts.runCommand,
    localRunCommand: parts.localRunCommand,
    startMainProcess: parts.startMainProcess,
    logs: parts.logs,
  });
}
