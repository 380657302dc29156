// The ServiceAccount controller ('serviceaccount'): every Active namespace has a ServiceAccount
// `default`; it is created for namespaces that exist at start and for new ones, and again when it
// is deleted. Terminating namespaces are left alone.
// Upstream: pkg/controller/serviceaccount/serviceaccounts_controller.go (syncNamespace).
//
// Timing: the ServiceAccount admission plugin refuses pods whose account does not exist, and
// upstream's waits ~1-2 s for a missing `default` (the controller is asynchronous). Here the
// accounts of the namespaces present at start are made during start, and a new namespace's in a
// microtask after its write (not inside the write's watch delivery: watchers must see the
// namespace first): before the writer's next request, so `kubectl create ns x; kubectl run -n x`
// or one `kubectl apply -f` of a namespace and a workload never meets a missing `default`.
// The work queue stays for retries and for re-creating a deleted account.
import type { KObject } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import type { Controller, ControllerContext } from './manager.js';

/** upstream DefaultServiceAccountsControllerOptions: the accounts to ensure */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

export function serviceAccountController(): Controller {
  let stopped = false;
  return {
    name: 'serviceaccount',
    start(ctx: ControllerContext) {
      stopped = false;
      const { registry } = ctx;
      const saDef = registry.mustDef('', 'serviceaccounts');
      const namespaces = ctx.informers.for('', 'namespaces');
      const accounts = ctx.informers.for('', 'serviceaccounts');
      const sync = (ns: string) => {
        const n = namespaces.get('', ns);
        if (!n || n.metadata?.deletionTimestamp || (n.status?.phase ?? 'Active') !== 'Active') return;
        for (const name of SERVICE_ACCOUNTS_TO_ENSURE) {
          if (accounts.get(ns, name)) continue;
          try {
            registry.create(saDef, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }, { fieldManager: 'kube-controller-manager' });
          } catch (err) {
            // someone else made it; or the namespace started terminating / went away meanwhile
            if (err instanceof StatusError && (err.code === 409 || err.code === 403 || err.code === 404)) continue;
            throw err;
          }
        }
      };
      const queue = ctx.newQueue('serviceaccount', sync);
      let starting = true;
      const soon = (ns: string) =>
        queueMicrotask(() => {
          if (stopped) return;
          try {
            sync(ns);
          } catch {
            queue.add(ns); // the queue retries with backoff and logs
          }
        });
      const enqueueNs = (o: KObject) => {
        const ns = o.metadata.name;
        // at start: now (no write is being delivered); later: right after the namespace's write
        if (starting) {
          try {
            sync(ns);
          } catch {
            queue.add(ns);
          }
        } else if (!accounts.get(ns, SERVICE_ACCOUNTS_TO_ENSURE[0])) soon(ns);
        else queue.add(ns);
      };
      namespaces.addHandler({ add: enqueueNs, update: (_old, o) => enqueueNs(o) });
      starting = false;
      accounts.addHandler({
        delete: (sa) => {
          if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata?.name) && sa.metadata?.namespace) queue.add(sa.metadata.namespace);
        },
      });
    },
    stop() {
      stopped = true;
    },
  };
}
