// The controller manager: starts the shared informers and the chosen controllers in-process.
// Controllers are clients of the registry (same validation, resourceVersions and watch events as
// HTTP clients) and never touch storage directly.
import type { Logger } from 'pino';
import type { Registry } from '../registry/registry.js';
import { EventRecorder } from './events.js';
import { InformerFactory } from './informer.js';
import { WorkQueue, type ReconcileResult } from './workqueue.js';
import { realClock, type Clock } from './runtime/clock.js';

export interface ControllerOptions {
  /** simulated nodes (default 1) */
  nodes: number;
  /** pod lifecycle timing profile: 'default' (100-500 ms steps) or 'fast' (zero delay, for tests) */
  podStages: 'default' | 'fast';
  /** the emulated Kubernetes minor version (e.g. 33) */
  emulatedMinor: number;
  /** emulated kubelet version string (e.g. v1.33.0) */
  kubeletVersion: string;
  /** mark the built-in StorageClass `standard` as the default class */
  defaultStorageClass: boolean;
  /** where provisioned hostPath volumes live (under the data dir) */
  volumesDir: string;
  /** the clock controllers schedule on and stamp times with (default: real time; tests: a FakeClock) */
  clock?: Clock;
  /** the cluster CA certificate (PEM), published as ConfigMap kube-root-ca.crt in every namespace */
  rootCA?: string;
  /** the simulated container runtime, told by the node agent when containers start and stop */
  containers?: ContainerLifecycle;
}

/** What the node agent tells a container runtime (src/runtime/runtime.ts SimulatedRuntime). */
export interface ContainerLifecycle {
  /** the pod's status as just written (or seen): containers running now start, others stop */
  syncPod(pod: import('../resources/types.js').KObject): void;
  /** the pod is gone */
  podDeleted(pod: import('../resources/types.js').KObject): void;
}

export interface ControllerContext {
  registry: Registry;
  informers: InformerFactory;
  recorder: EventRecorder;
  logger: Logger;
  options: ControllerOptions;
  /** the controllers' clock (options.clock or real time) */
  clock: Clock;
  /** a work queue whose lifetime the manager owns */
  newQueue(name: string, reconcile: (key: string) => ReconcileResult | Promise<ReconcileResult>, workers?: number): WorkQueue;
}

export interface Controller {
  name: string;
  start(ctx: ControllerContext): void;
  stop?(): void;
}

export class ControllerManager {
  readonly informers: InformerFactory;
  readonly recorder: EventRecorder;
  private readonly queues: WorkQueue[] = [];
  private readonly started: Controller[] = [];
  private readonly ctx: ControllerContext;

  constructor(
    registry: Registry,
    logger: Logger,
    options: ControllerOptions,
    private readonly controllers: Controller[],
  ) {
    this.informers = new InformerFactory(registry);
    this.recorder = new EventRecorder(registry, logger);
    this.ctx = {
      registry,
      informers: this.informers,
      recorder: this.recorder,
      logger: logger.child({ component: 'controller-manager' }),
      options,
      clock: options.clock ?? realClock,
      newQueue: (name, reconcile, workers) => {
        const q = new WorkQueue({ name, workers, logger: logger.child({ controller: name }), clock: options.clock }, reconcile);
        this.queues.push(q);
        return q;
      },
    };
  }

  /** Starts the controllers whose names match `enabled` (`*` = all, `-name` disables one). */
  start(enabled: string[] = ['*']): string[] {
    const all = enabled.includes('*');
    for (const c of this.controllers) {
      const on = (all && !enabled.includes(`-${c.name}`)) || enabled.includes(c.name);
      if (!on) continue;
      try {
        c.start(this.ctx);
      } catch (err) {
        // a controller that cannot start (stored data it cannot read) must not keep the server down
        this.ctx.logger.error({ controller: c.name, err: (err as Error)?.message, stack: (err as Error)?.stack }, 'controller failed to start');
      }
      this.started.push(c);
    }
    return this.started.map((c) => c.name);
  }

  /** Resolves when every queue is idle (tests: "the cluster has settled"). */
  async settled(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await Promise.all(this.queues.map((q) => q.idle()));
      await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    for (const c of this.started) c.stop?.();
    for (const q of this.queues) q.stop();
    this.informers.stop();
  }
}
