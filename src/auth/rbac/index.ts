// The RBAC mode of buildSecurity: the resolver (indexed from registry watches), the authorizer and
// the escalation checks on the RBAC kinds' writes.
import type { Registry } from '../../registry/registry.js';
import type { SecurityRuntime } from '../filters.js';
import { RBACAuthorizer } from './authorizer.js';
import { installEscalationChecks } from './escalation.js';
import { RBACResolver } from './resolver.js';

export { RBACAuthorizer } from './authorizer.js';
export { RBACResolver } from './resolver.js';

export function installRBAC(runtime: SecurityRuntime, registry: Registry): RBACAuthorizer {
  const { resolver } = RBACResolver.fromRegistry(registry);
  const authorizer = new RBACAuthorizer(resolver);
  runtime.authorizer = authorizer;
  runtime.rules = resolver;
  installEscalationChecks(registry, resolver, authorizer);
  return authorizer;
}
