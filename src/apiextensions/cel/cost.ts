// The actual cost of a CEL evaluation (cel-go's interpreter cost tracking, checked against
// staging/src/k8s.io/apiserver/pkg/apis/cel/config.go PerCallLimit and RuntimeCELCostBudget).
// cel-js has no cost tracking: here the cost is the number of expression nodes evaluated (a
// comprehension's step counts again on every element), counted through the evaluator of each
// metered environment (every child evaluation goes through its `run`).
import type { Environment } from '@marcbachmann/cel-js';

export const COST_LIMIT_EXCEEDED = 'operation cancelled: actual cost limit exceeded';

export class CostLimitError extends Error {
  constructor() {
    super(COST_LIMIT_EXCEEDED);
  }
}

interface Meter {
  n: number;
  limit: number;
  exceeded: boolean;
}
let meter: Meter | undefined;
const metered = new WeakSet<Environment>();

/** Counts node evaluations of every program of `env` (once per environment; best effort). */
export function meterEvaluations(env: Environment): void {
  if (metered.has(env)) return;
  metered.add(env);
  try {
    const p = env.parse('true') as unknown as ((ctx: Record<string, unknown>) => unknown) & { ast: any };
    let ev: any;
    const root = p.ast;
    const first = root.evaluate;
    root.evaluate = function (this: any, evaluator: any, ast: any, ctx: any) {
      ev = evaluator;
      return first.call(this, evaluator, ast, ctx);
    };
    p({});
    if (!ev || typeof ev.run !== 'function' || ev.__metered) return;
    const run = ev.run;
    ev.__metered = true;
    ev.run = function (this: any, ast: any, ctx: any) {
      const m = meter;
      if (m && ++m.n > m.limit) {
        m.exceeded = true;
        throw new CostLimitError();
      }
      return run.call(this, ast, ctx);
    };
  } catch {
    // unmetered: programs still run
  }
}

/**
 * Runs `fn` (a metered environment's program) with at most `limit` steps: its value and cost, or
 * CostLimitError past the limit (even where || or a quantifier would absorb the error).
 */
export function withCostLimit<T>(limit: number, fn: () => T): { value: T; cost: number } {
  const prev = meter;
  const m: Meter = { n: 0, limit, exceeded: false };
  meter = m;
  let value: T;
  try {
    value = fn();
  } catch (e) {
    if (m.exceeded) throw new CostLimitError();
    throw e;
  } finally {
    meter = prev;
  }
  if (m.exceeded) throw new CostLimitError();
  return { value, cost: m.n };
}
