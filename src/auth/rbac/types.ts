// The RBAC shapes shared by the authorizer, the policy (bootstrap roles, aggregation) and the
// access reviews (upstream pkg/apis/rbac/types.go, pkg/registry/rbac/validation/rule.go).
import type { UserInfo } from '../types.js';

/** rbac/v1 PolicyRule */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** validation.AuthorizationRuleResolver */
export interface RuleResolver {
  /** every rule that applies to the user in the namespace ('' = cluster-wide rules only), and the errors met (missing roles) */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
}
