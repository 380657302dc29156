// HorizontalPodAutoscalers (pkg/printers/internalversion/printers.go printHorizontalPodAutoscaler and
// formatHPAMetrics: `<resource>: current/target` for resource metrics since 1.30 (kubernetes PR 122804),
// at most two metrics then `+ N more...`).
import type { KObject, TablePrinter } from '../resources/types.js';
import { canonicalQuantity } from '../resources/quantity.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from './format.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
/** Quantity.String(); a nil *Quantity prints as "<nil>"-free "0" (the zero Quantity). */
const q = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? (canonicalQuantity(v) ?? String(v)) : '0');

function resourceLike(spec: KObject, status: KObject | undefined, named: boolean): string {
  const name = named ? `${String(spec.name ?? '')}: ` : '';
  if (spec.target?.averageValue !== undefined && spec.target?.averageValue !== null) {
    const current = status ? q(status.current?.averageValue) : '<unknown>';
    return `${name}${current}/${q(spec.target.averageValue)}`;
  }
  const cu = status?.current?.averageUtilization;
  const current = typeof cu === 'number' ? `${cu}%` : '<unknown>';
  const tu = spec.target?.averageUtilization;
  const target = typeof tu === 'number' ? `${tu}%` : '<auto>';
  return `${name}${current}/${target}`;
}

function valueOrAverage(spec: KObject, status: KObject | undefined): string {
  if (spec.target?.averageValue !== undefined && spec.target?.averageValue !== null) {
    const cur = status?.current?.averageValue;
    const current = status && cur !== undefined && cur !== null ? q(cur) : '<unknown>';
    return `${current}/${q(spec.target.averageValue)} (avg)`;
  }
  const current = status ? q(status.current?.value) : '<unknown>';
  return `${current}/${q(spec.target?.value)}`;
}

/** formatHPAMetrics */
export function formatHPAMetrics(specs: unknown, statuses: unknown, named = true): string {
  const list = arr(specs);
  if (list.length === 0) return '<none>';
  const st = arr(statuses);
  const max = 2;
  const out: string[] = [];
  list.forEach((m, i) => {
    const s = st[i];
    const src = (k: string): KObject | undefined => (s && typeof s[k] === 'object' && s[k] !== null ? s[k] : undefined);
    switch (m?.type) {
      case 'External':
        out.push(valueOrAverage(m.external ?? {}, src('external')));
        break;
      case 'Pods': {
        const cur = src('pods');
        out.push(`${cur ? q(cur.current?.averageValue) : '<unknown>'}/${q(m.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object':
        out.push(valueOrAverage(m.object ?? {}, src('object')));
        break;
      case 'Resource':
        out.push(resourceLike(m.resource ?? {}, src('resource'), named));
        break;
      case 'ContainerResource':
        out.push(resourceLike(m.containerResource ?? {}, src('containerResource'), named));
        break;
      default:
        out.push('<unknown type>');
    }
  });
  if (out.length > max) return `${out.slice(0, max).join(', ')} + ${out.length - max} more...`;
  return out.join(', ');
}

const hpaRow = (named: boolean) => (hpa: KObject, now: number): unknown[] => {
  const spec = hpa.spec ?? {};
  const ref = spec.scaleTargetRef ?? {};
  const min = typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>';
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  const replicas = typeof hpa.status?.currentReplicas === 'number' ? hpa.status.currentReplicas : 0;
  return [hpa.metadata?.name ?? '', `${ref.kind ?? ''}/${ref.name ?? ''}`, formatHPAMetrics(spec.metrics, hpa.status?.currentMetrics, named), min, max, replicas, age(hpa, now)];
};

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  // before 1.30 resource metrics print without their name
  forMinor: (minor) => (minor >= 30 ? horizontalPodAutoscalerPrinter : { columns: horizontalPodAutoscalerPrinter.columns, row: hpaRow(false) }),
  columns: [
    NAME_COLUMN,
    col('Reference', 'The target this autoscaler scales (kind/name).'),
    col('Targets', 'The metrics the autoscaler follows: current/target values.'),
    col('MinPods', 'The lower limit for the number of replicas.'),
    col('MaxPods', 'The upper limit for the number of replicas.'),
    col('Replicas', 'The current number of replicas of the target, as last seen by the autoscaler.'),
    AGE_COLUMN,
  ],
  row: hpaRow(true),
};
