// Ingresses, IngressClasses and NetworkPolicies (pkg/printers/internalversion/printers.go printIngress,
// printIngressClass, printNetworkPolicy; the server prints wide, so addresses are not clipped).
import type { KObject, TablePrinter } from '../resources/types.js';
import { selectorString } from '../resources/labelselector.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './format.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** formatHosts: the first four rule hosts, then `+ N more...` counting every further rule. */
export function formatIngressHosts(rules: unknown): string {
  const list: string[] = [];
  const max = 4;
  let more = false;
  const all = arr(rules);
  for (const rule of all) {
    if (list.length === max) more = true;
    const host = typeof rule?.host === 'string' ? rule.host : '';
    if (!more && host.length !== 0) list.push(host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${all.length - max} more...` : ret;
}

/** ingressLoadBalancerStatusStringer (wide): sorted, deduplicated IPs or hostnames. */
export function ingressAddress(ing: KObject): string {
  const set = new Set<string>();
  for (const e of arr(ing.status?.loadBalancer?.ingress)) {
    if (typeof e?.ip === 'string' && e.ip !== '') set.add(e.ip);
    else if (typeof e?.hostname === 'string' && e.hostname !== '') set.add(e.hostname);
  }
  return [...set].sort().join(',');
}

export const ingressPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  row(ing, now) {
    const spec = ing.spec ?? {};
    const cls = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>';
    return [ing.metadata?.name ?? '', cls, formatIngressHosts(spec.rules), ingressAddress(ing), arr(spec.tls).length ? '80, 443' : '80', age(ing, now)];
  },
};

export const ingressClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'Controller that is responsible for handling this class'),
    col('Parameters', 'A reference to a resource with additional parameters'),
    AGE_COLUMN,
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    let parameters = '<none>';
    if (p && typeof p === 'object') {
      parameters = String(p.kind ?? '');
      if (typeof p.apiGroup === 'string') parameters += '.' + p.apiGroup;
      parameters += '/' + String(p.name ?? '');
    }
    return [ic.metadata?.name ?? '', ic.spec?.controller ?? '', parameters, age(ic, now)];
  },
};

/** metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` when it does not convert. */
export function formatLabelSelector(sel: unknown): string {
  const s = selectorString(sel ?? {});
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

export const networkPolicyPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.'), AGE_COLUMN],
  row(np, now) {
    return [np.metadata?.name ?? '', formatLabelSelector(np.spec?.podSelector), age(np, now)];
  },
};
