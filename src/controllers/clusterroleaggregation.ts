// The ClusterRole aggregation controller ('clusterrole-aggregation'): a ClusterRole with an
// aggregationRule gets as its rules the union of the rules of the ClusterRoles its selectors match
// (itself excluded), selector by selector, each selector's roles by name, a rule kept once (the
// first time it is met). Any ClusterRole change re-aggregates every aggregated ClusterRole.
// Upstream: pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go.
import type { KObject } from '../resources/types.js';
import { labelSelectorMatches } from '../resources/labelselector.js';
import { StatusError } from '../registry/errors.js';
import { canonicalRule } from '../auth/rbac/rules.js';
import type { Controller, ControllerContext } from './manager.js';

const FIELD_MANAGER = 'clusterrole-aggregation-controller';


const byName = (a: KObject, b: KObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

/** The rules an aggregated ClusterRole should have, given every ClusterRole. */
export function aggregatedRules(role: KObject, all: KObject[]): KObject[] {
  const rules: KObject[] = [];
  const seen = new Set<string>();
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const matching = all.filter((c) => labelSelectorMatches(sel, c.metadata?.labels)).sort(byName);
    for (const c of matching) {
      if (c.metadata.name === role.metadata.name) continue;
      for (const r of c.rules ?? []) {
        const key = canonicalRule(r);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(r);
      }
    }
  }
  return rules;
}

function sameRules(a: KObject[] | undefined, b: KObject[]): boolean {
  const x = a ?? [];
  return x.length === b.length && x.every((r, i) => canonicalRule(r) === canonicalRule(b[i]));
}

export function clusterRoleAggregationController(): Controller {
  return {
    name: 'clusterrole-aggregation',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const def = registry.def('rbac.authorization.k8s.io', 'clusterroles');
      if (!def) return; // the RBAC kinds are not served
      const roles = ctx.informers.for('rbac.authorization.k8s.io', 'clusterroles');
      const queue = ctx.newQueue('clusterrole-aggregation', (name) => {
        const role = roles.get('', name);
        if (!role?.aggregationRule) return;
        const rules = aggregatedRules(role, roles.list());
        if (sameRules(role.rules, rules)) return;
        try {
          registry.update(def, '', name, { ...role, rules }, { fieldManager: FIELD_MANAGER });
        } catch (err) {
          // changed meanwhile: the informer's event queues it again; gone: nothing to do
          if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return;
          throw err;
        }
      });
      // enqueueAll: any change may alter any aggregated role
      const enqueueAll = () => {
        for (const r of roles.list()) if (r.aggregationRule) queue.add(r.metadata.name);
      };
      roles.addHandler({ add: enqueueAll, update: enqueueAll, delete: enqueueAll });
    },
  };
}
