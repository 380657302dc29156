// Pod failure policy and success policy matching (upstream pkg/controller/job/pod_failure_policy.go,
// success_policy.go), with upstream's messages.
import type { KObject } from '../../resources/types.js';
import { parseIndexes, type OrderedIntervals } from './indexed.js';

export interface PolicyMatch {
  /** set when a FailJob rule matched */
  failJobMessage?: string;
  /** whether the failure counts towards backoffLimit / backoffLimitPerIndex (false for Ignore) */
  countFailed: boolean;
  action?: 'Ignore' | 'FailIndex' | 'Count' | 'FailJob';
}

const arr = (v: unknown): KObject[] => (Array.isArray(v) ? v : []);

function exitCodeMatches(code: number, req: KObject): boolean {
  const values: number[] = Array.isArray(req.values) ? req.values : [];
  if (req.operator === 'In') return values.includes(code);
  if (req.operator === 'NotIn') return !values.includes(code);
  return false;
}

/** getMatchingContainerFromList: the first terminated container with a non-zero exit code the requirement matches. */
function matchingContainer(statuses: KObject[], req: KObject): KObject | undefined {
  for (const s of statuses) {
    const t = s?.state?.terminated;
    if (!t) continue;
    if (req.containerName !== undefined && req.containerName !== null && req.containerName !== s.name) continue;
    if (t.exitCode !== 0 && exitCodeMatches(t.exitCode ?? 0, req)) return s;
  }
  return undefined;
}

function matchOnPodConditions(pod: KObject, patterns: KObject[]): KObject | undefined {
  for (const c of arr(pod.status?.conditions)) for (const p of patterns) if (c?.type === p?.type && c?.status === p?.status) return c;
  return undefined;
}

/** matchPodFailurePolicy. */
export function matchPodFailurePolicy(policy: KObject | undefined, pod: KObject): PolicyMatch {
  if (!policy) return { countFailed: true };
  const rules = arr(policy.rules);
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    if (rule.onExitCodes) {
      const cs = matchingContainer(arr(pod.status?.containerStatuses), rule.onExitCodes) ?? matchingContainer(arr(pod.status?.initContainerStatuses), rule.onExitCodes);
      if (!cs) continue;
      switch (rule.action) {
        case 'Ignore':
          return { countFailed: false, action: 'Ignore' };
        case 'FailIndex':
          return { countFailed: true, action: 'FailIndex' };
        case 'Count':
          return { countFailed: true, action: 'Count' };
        case 'FailJob':
          return {
            countFailed: true,
            action: 'FailJob',
            failJobMessage: `Container ${cs.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${cs.state.terminated.exitCode} matching FailJob rule at index ${index}`,
          };
      }
    } else if (rule.onPodConditions) {
      const c = matchOnPodConditions(pod, arr(rule.onPodConditions));
      if (!c) continue;
      switch (rule.action) {
        case 'Ignore':
          return { countFailed: false, action: 'Ignore' };
        case 'FailIndex':
          return { countFailed: true, action: 'FailIndex' };
        case 'Count':
          return { countFailed: true, action: 'Count' };
        case 'FailJob':
          return { countFailed: true, action: 'FailJob', failJobMessage: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${c.type} matching FailJob rule at index ${index}` };
      }
    }
  }
  return { countFailed: true };
}

/** matchSucceededIndexesRule. */
function matchSucceededIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, succeededCount: number | undefined): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  const R = rule.list;
  const S = succeeded.list;
  while (r < R.length && s < S.length) {
    const overlap = Math.min(R[r].last, S[s].last) - Math.max(R[r].first, S[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (S[s].last < R[r].last) s++;
    else if (S[s].last > R[r].last) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === rule.total() || (succeededCount !== undefined && contains >= succeededCount);
}

/** matchSuccessPolicy: the message "Matched rules at index N" when a rule is met. */
export function matchSuccessPolicy(policy: KObject | undefined, completions: number, succeeded: OrderedIntervals): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  const rules = arr(policy.rules);
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    const count = typeof rule.succeededCount === 'number' ? rule.succeededCount : undefined;
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = parseIndexes(String(rule.succeededIndexes), completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, count)) return `Matched rules at index ${index}`;
    } else if (count !== undefined && succeeded.total() >= count) return `Matched rules at index ${index}`;
  }
  return undefined;
}
