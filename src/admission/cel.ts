// CEL expressions over admission variables (object, oldObject, request, ...): webhook
// matchConditions (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions and
// pkg/admission/plugin/cel). The CRD validation rules' library, loaded lazily (the first
// configuration with a matchCondition pays for it).
import type { Environment } from '@marcbachmann/cel-js';
import { COST_LIMIT_EXCEEDED, CostLimitError, meterEvaluations, withCostLimit } from '../apiextensions/cel/cost.js';

// staging/src/k8s.io/apiserver/pkg/apis/cel/config.go PerCallLimit: a condition past it is cancelled
const PER_CALL_LIMIT = 1_000_000;

type CelModule = typeof import('../apiextensions/cel/index.js');
type ModelModule = typeof import('../apiextensions/cel/model.js');
type ErrorsModule = typeof import('../apiextensions/cel/errors.js');
let mods: Promise<[CelModule, ModelModule, ErrorsModule]> | undefined;
let loaded: [CelModule, ModelModule, ErrorsModule] | undefined;
const load = () =>
  (mods ??= Promise.all([import('../apiextensions/cel/index.js'), import('../apiextensions/cel/model.js'), import('../apiextensions/cel/errors.js')]).then((m) => (loaded = m)));

/** Loads the CEL library (before a webhook configuration's write, whose validation compiles its conditions). */
export async function loadAdmissionCEL(): Promise<void> {
  await load();
}

export interface CompiledExpression {
  eval(vars: Record<string, unknown>): unknown;
}

const envs = new Map<string, Environment>();
const cache = new Map<string, CompiledExpression | { error: string }>();

/** Compiles `src` with the named variables declared dyn; the error is cel-go's compile text. */
export async function compileExpression(src: string, variables: string[]): Promise<CompiledExpression | { error: string }> {
  await load();
  return compileExpressionSync(src, variables)!;
}

/** compileExpression once the library is loaded (loadAdmissionCEL); undefined before. */
export function compileExpressionSync(src: string, variables: string[]): CompiledExpression | { error: string } | undefined {
  if (!loaded) return undefined;
  const key = `${variables.join(',')}\u0000${src}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const [cel, model, errors] = loaded;
  const envKey = variables.join(',');
  let env = envs.get(envKey);
  if (!env) {
    env = cel.libraryEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    for (const v of variables) env.registerVariable(v, 'dyn');
    meterEvaluations(env);
    envs.set(envKey, env);
  }
  let out: CompiledExpression | { error: string };
  try {
    const program = env.parse(src) as unknown as ((ctx: Record<string, unknown>) => unknown) & { check(): { valid: boolean; error?: any } };
    const checked = program.check();
    if (!checked.valid) out = { error: errors.compileErrorString(src, checked.error) };
    else
      out = {
        eval(vars) {
          const act: Record<string, unknown> = {};
          const c = { n: 0 };
          for (const v of variables) act[v] = vars[v] === undefined || vars[v] === null ? null : model.toCel(vars[v], { kind: 'dyn' }, c);
          return withCostLimit(PER_CALL_LIMIT, () => program(act)).value;
        },
      };
  } catch (e) {
    out = { error: errors.compileErrorString(src, e as any) };
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, out);
  return out;
}

/** A runtime error's text as cel-go words it. */
export async function celRuntimeError(err: unknown): Promise<string> {
  if (err instanceof CostLimitError) return COST_LIMIT_EXCEEDED;
  const [, , errors] = await load();
  return errors.runtimeErrorString(err);
}

/** The variables a webhook's matchConditions see (matchconditions/matcher.go; authorizer: not yet). */
export const MATCH_CONDITION_VARIABLES = ['object', 'oldObject', 'request'];
