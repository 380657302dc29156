// upstream's bootstrap Roles and RoleBindings in kube-system / kube-public, transcribed from
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/namespace-roles.yaml and
// namespace-role-bindings.yaml (bootstrappolicy/namespace_policy.go). Encoding: see clusterroles.ts.
import type { RoleSpec, BindingSpec } from './spec.js';

const LEASES = 'create,get,list,update,watch|coordination.k8s.io';
const EV = 'create,patch,update|,events.k8s.io|events';

export const NAMESPACE_ROLES: RoleSpec[] = [
  { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', rules: ['get,list,watch||configmaps', 'update||configmaps|cluster-info', EV] },
  { namespace: 'kube-system', name: 'extension-apiserver-authentication-reader', rules: ['get,list,watch||configmaps|extension-apiserver-authentication'] },
  { namespace: 'kube-system', name: 'system::leader-locking-kube-controller-manager', rules: [`${LEASES}|leases`, `${LEASES}|leasecandidates`] },
  { namespace: 'kube-system', name: 'system::leader-locking-kube-scheduler', rules: [`${LEASES}|leases`, `${LEASES}|leasecandidates`] },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: ['get,list,watch||secrets'] },
  { namespace: 'kube-system', name: 'system:controller:cloud-provider', rules: ['create,get,list,watch||configmaps'] },
  { namespace: 'kube-system', name: 'system:controller:token-cleaner', rules: ['delete,get,list,watch||secrets', EV] },
];

export const NAMESPACE_ROLE_BINDINGS: BindingSpec[] = [
  { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: ['ServiceAccount:kube-system/bootstrap-signer'] },
  {
    namespace: 'kube-system',
    name: 'system::extension-apiserver-authentication-reader',
    role: 'extension-apiserver-authentication-reader',
    subjects: ['User:system:kube-controller-manager', 'User:system:kube-scheduler'],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    role: 'system::leader-locking-kube-controller-manager',
    subjects: ['User:system:kube-controller-manager', 'ServiceAccount:kube-system/kube-controller-manager', 'ServiceAccount:kube-system/leader-election-controller'],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    role: 'system::leader-locking-kube-scheduler',
    subjects: ['User:system:kube-scheduler', 'ServiceAccount:kube-system/kube-scheduler'],
  },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: ['ServiceAccount:kube-system/bootstrap-signer'] },
  { namespace: 'kube-system', name: 'system:controller:cloud-provider', role: 'system:controller:cloud-provider', subjects: ['ServiceAccount:kube-system/cloud-provider'] },
  { namespace: 'kube-system', name: 'system:controller:token-cleaner', role: 'system:controller:token-cleaner', subjects: ['ServiceAccount:kube-system/token-cleaner'] },
];
