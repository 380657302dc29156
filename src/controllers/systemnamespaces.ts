// The system namespaces controller ('systemnamespaces'): kube-apiserver re-creates kube-system,
// kube-public and kube-node-lease (default cannot be deleted) once a minute when they are gone,
// e.g. after `kubectl delete namespace --all`; the node Leases live in kube-node-lease.
// Upstream: pkg/controlplane/controller/systemnamespaces/system_namespaces_controller.go.
import { StatusError } from '../registry/errors.js';
import { SYSTEM_NAMESPACES } from '../server/bootstrap.js';
import type { Controller, ControllerContext } from './manager.js';

export const SYSTEM_NAMESPACES_INTERVAL_MS = 60_000;

export function systemNamespacesController(opts: { intervalMs?: number } = {}): Controller {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'systemnamespaces',
    start(ctx: ControllerContext) {
      const nsDef = ctx.registry.mustDef('', 'namespaces');
      const namespaces = ctx.informers.for('', 'namespaces');
      const sync = () => {
        for (const name of SYSTEM_NAMESPACES) {
          if (namespaces.get('', name)) continue;
          try {
            ctx.registry.create(nsDef, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' });
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 409)) ctx.logger.warn({ err: (err as Error).message, namespace: name }, 'system namespace not re-created');
          }
        }
      };
      timer = setInterval(sync, opts.intervalMs ?? SYSTEM_NAMESPACES_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
