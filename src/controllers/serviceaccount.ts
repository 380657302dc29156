// The ServiceAccount controller ('serviceaccount'): every Active namespace has a ServiceAccount
// `default`; it is created for namespaces that exist at start and for new ones, and again when it
// is deleted. Terminating namespaces are left alone.
// Upstream: pkg/controller/serviceaccount/serviceaccounts_controller.go (syncNamespace).
import type { KObject } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import type { Controller, ControllerContext } from './manager.js';

/** upstream DefaultServiceAccountsControllerOptions: the accounts to ensure */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

export function serviceAccountController(): Controller {
  return {
    name: 'serviceaccount',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const saDef = registry.mustDef('', 'serviceaccounts');
      const namespaces = ctx.informers.for('', 'namespaces');
      const accounts = ctx.informers.for('', 'serviceaccounts');
      const queue = ctx.newQueue('serviceaccount', (ns) => {
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
      });
      const enqueueNs = (o: KObject) => queue.add(o.metadata.name);
      namespaces.addHandler({ add: enqueueNs, update: (_old, o) => enqueueNs(o) });
      accounts.addHandler({
        delete: (sa) => {
          if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata?.name) && sa.metadata?.namespace) queue.add(sa.metadata.namespace);
        },
      });
    },
  };
}
