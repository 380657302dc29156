// The authorizer of the RBAC mode: upstream's union of the privileged-group authorizer
// (authorizerfactory.NewPrivilegedGroups: system:masters may do anything) and the RBAC authorizer
// (plugin/pkg/auth/authorizer/rbac/rbac.go). A request no rule allows gets no opinion; its reason is
// empty unless roles were missing ("RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found").
import { SYSTEM_MASTERS, type Authorizer, type AuthzAttributes, type Decision } from '../types.js';
import { ruleAllows } from './rules.js';
import { describeSource, listerErrorMessage, type RBACResolver } from './resolver.js';
import { aggregateMessage } from './rules.js';

export class RBACAuthorizer implements Authorizer {
  constructor(readonly resolver: RBACResolver) {}

  authorize(a: AuthzAttributes): { decision: Decision; reason: string } {
    // privileged groups first (the union stops at the first allow)
    if (a.user.groups?.includes(SYSTEM_MASTERS)) return { decision: 'allow', reason: '' };
    let reason = '';
    const errors: string[] = [];
    let allowed = false;
    this.resolver.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (rule && source && ruleAllows(a, rule)) {
        allowed = true;
        reason = `RBAC: allowed by ${describeSource(source, a.user)}`;
        return false;
      }
      if (err) errors.push(listerErrorMessage(err));
      return true;
    });
    if (allowed) return { decision: 'allow', reason };
    return { decision: 'noopinion', reason: errors.length ? `RBAC: ${aggregateMessage(errors)}` : '' };
  }
}
