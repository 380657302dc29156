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
    let errors: string[] | undefined;
    let by: Parameters<typeof describeSource>[0] | undefined;
    this.resolver.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (rule && source && ruleAllows(a, rule)) {
        by = source;
        return false;
      }
      if (err) (errors ??= []).push(listerErrorMessage(err));
      return true;
    });
    if (by) {
      // the reason of an allow is only read by reviews: worded when asked for
      const source = by;
      const user = a.user;
      return {
        decision: 'allow',
        get reason() {
          return `RBAC: allowed by ${describeSource(source, user)}`;
        },
      };
    }
    return { decision: 'noopinion', reason: errors ? `RBAC: ${aggregateMessage(errors)}` : '' };
  }
}
