// upstream's ClusterRoles for the controllers of kube-controller-manager, transcribed from
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/controller-roles.yaml; each is bound to
// the ServiceAccount kube-system/<name> (controller_policy.go ControllerRoleBindings,
// controller-role-bindings.yaml). Encoding: see clusterroles.ts.
import type { BindingSpec, RoleSpec } from './spec.js';

const EV = 'create,patch,update|,events.k8s.io|events';
const RO = 'get,list,watch';
const ALL = 'create,delete,get,list,patch,update,watch';

const roles: [string, string[]][] = [
  ['attachdetach-controller', ['list,watch||persistentvolumeclaims,persistentvolumes', `${RO}||nodes`, 'patch,update||nodes/status', 'list,watch||pods', EV, 'create,delete,get,list,watch|storage.k8s.io|volumeattachments', `${RO}|storage.k8s.io|csidrivers`, `${RO}|storage.k8s.io|csinodes`]],
  ['certificate-controller', [
    'delete,get,list,watch|certificates.k8s.io|certificatesigningrequests',
    'update|certificates.k8s.io|certificatesigningrequests/approval,certificatesigningrequests/status',
    'approve|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client-kubelet',
    'sign|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client,kubernetes.io/kube-apiserver-client-kubelet,kubernetes.io/kubelet-serving,kubernetes.io/legacy-unknown',
    'create|authorization.k8s.io|subjectaccessreviews',
    EV,
  ]],
  ['clusterrole-aggregation-controller', ['escalate,get,list,patch,update,watch|rbac.authorization.k8s.io|clusterroles']],
  ['cronjob-controller', ['get,list,update,watch|batch|cronjobs', `${ALL}|batch|jobs`, 'update|batch|cronjobs/status', 'update|batch|cronjobs/finalizers', 'delete,list,watch||pods', EV]],
  ['daemon-set-controller', [
    `${RO}|apps,extensions|daemonsets`, 'update|apps,extensions|daemonsets/status', 'update|apps,extensions|daemonsets/finalizers', 'list,watch||nodes',
    'create,delete,list,patch,watch||pods', 'create||pods/binding', `${ALL}|apps|controllerrevisions`, EV,
  ]],
  ['deployment-controller', [
    'get,list,update,watch|apps,extensions|deployments', 'update|apps,extensions|deployments/status', 'update|apps,extensions|deployments/finalizers',
    `${ALL}|apps,extensions|replicasets`, 'get,list,update,watch||pods', EV,
  ]],
  ['device-taint-eviction-controller', ['delete,get,list,watch||pods', 'patch,update||pods/status', `${RO}|resource.k8s.io|resourceclaims`, `${RO}|resource.k8s.io|resourceslices`, `${RO}|resource.k8s.io|deviceclasses`, EV]],
  ['disruption-controller', [
    `${RO}|apps,extensions|deployments`, `${RO}|apps,extensions|replicasets`, `${RO}||replicationcontrollers`, `${RO}|policy|poddisruptionbudgets`, `${RO}|apps|statefulsets`,
    'update|policy|poddisruptionbudgets/status', 'patch,update||pods/status', 'get|*|*/scale', EV,
  ]],
  ['endpoint-controller', [`${RO}||pods,services`, 'create,delete,get,list,update,watch||endpoints', 'create||endpoints/restricted', EV]],
  ['endpointslice-controller', [`${RO}||nodes,pods,services`, 'update||services/finalizers', 'create,delete,get,list,update,watch|discovery.k8s.io|endpointslices', EV]],
  ['endpointslicemirroring-controller', [`${RO}||endpoints,services`, 'update||services/finalizers', 'update||endpoints/finalizers', 'create,delete,get,list,update,watch|discovery.k8s.io|endpointslices', EV]],
  ['ephemeral-volume-controller', [`${RO}||pods`, 'update||pods/finalizers', 'create,get,list,watch||persistentvolumeclaims', EV]],
  ['expand-controller', ['get,list,patch,update,watch||persistentvolumes', 'patch,update||persistentvolumeclaims/status', `${RO}||persistentvolumeclaims`, EV]],
  ['generic-garbage-collector', ['delete,get,list,patch,update,watch|*|*', EV]],
  ['horizontal-pod-autoscaler', [
    `${RO}|autoscaling|horizontalpodautoscalers`, 'update|autoscaling|horizontalpodautoscalers/status', 'get,update|*|*/scale', 'list,watch||pods', 'list,watch|metrics.k8s.io|pods',
    `${RO}|custom.metrics.k8s.io|*`, `${RO}|external.metrics.k8s.io|*`, EV,
  ]],
  ['job-controller', ['get,list,patch,update,watch|batch|jobs', 'update|batch|jobs/status', 'update|batch|jobs/finalizers', 'create,delete,list,patch,watch||pods', EV]],
  ['legacy-service-account-token-cleaner', ['get||configmaps|kube-apiserver-legacy-service-account-token-tracking', 'delete,patch||secrets']],
  ['namespace-controller', ['delete,get,list,watch||namespaces', 'update||namespaces/finalize,namespaces/status', 'delete,deletecollection,get,list,watch|*|*']],
  ['node-controller', ['delete,get,list,patch,update,watch||nodes', 'patch,update||nodes/status', 'patch,update||pods/status', 'delete,get,list,watch||pods', EV]],
  ['persistent-volume-binder', [
    'create,delete,get,list,update,watch||persistentvolumes', 'update||persistentvolumes/status', 'get,list,update,watch||persistentvolumeclaims', 'update||persistentvolumeclaims/status',
    'create,delete,get,list,watch||pods', `${RO}|storage.k8s.io|storageclasses`, 'list,watch||nodes', EV, 'watch||events',
  ]],
  ['pod-garbage-collector', ['delete,list,watch||pods', `${RO}||nodes`, 'patch||pods/status']],
  ['pv-protection-controller', ['get,list,update,watch||persistentvolumes', EV]],
  ['pvc-protection-controller', ['get,list,update,watch||persistentvolumeclaims', 'update||persistentvolumeclaims/status', `${RO}||pods`, EV]],
  ['replicaset-controller', ['get,list,update,watch|apps,extensions|replicasets', 'update|apps,extensions|replicasets/status', 'update|apps,extensions|replicasets/finalizers', 'create,delete,list,patch,watch||pods', EV]],
  ['replication-controller', ['get,list,update,watch||replicationcontrollers', 'update||replicationcontrollers/status', 'update||replicationcontrollers/finalizers', 'create,delete,list,patch,watch||pods', EV]],
  ['resource-claim-controller', [
    `${RO}||pods`, 'update||pods/finalizers', 'create,delete,get,list,watch|resource.k8s.io|resourceclaims', 'patch,update|resource.k8s.io|resourceclaims,resourceclaims/status',
    'patch,update||pods/status', EV, 'patch,update|resource.k8s.io|resourceclaims/binding',
  ]],
  ['resourcequota-controller', ['list,watch|*|*', 'update||resourcequotas/status', EV]],
  ['root-ca-cert-publisher', ['create,update||configmaps', EV]],
  ['route-controller', ['list,watch||nodes', 'patch||nodes/status', EV]],
  ['selinux-warning-controller', [EV, `${RO}||persistentvolumes`, `${RO}||persistentvolumeclaims`, `${RO}||pods`, `${RO}|storage.k8s.io|csidrivers`]],
  ['service-account-controller', ['create||serviceaccounts', EV]],
  ['service-cidrs-controller', [
    'get,list,patch,update,watch|networking.k8s.io|servicecidrs', 'patch,update|networking.k8s.io|servicecidrs/finalizers', 'patch,update|networking.k8s.io|servicecidrs/status',
    `${RO}|networking.k8s.io|ipaddresses`, EV,
  ]],
  ['service-controller', [`${RO}||services`, 'patch,update||services/status', 'list,watch||nodes', EV]],
  ['statefulset-controller', [
    'list,watch||pods', `${RO}|apps|statefulsets`, 'update|apps|statefulsets/status', 'update|apps|statefulsets/finalizers', 'create,delete,get,patch,update||pods',
    `${ALL}|apps|controllerrevisions`, 'create,get,list,watch||persistentvolumeclaims', 'delete,update||persistentvolumeclaims', 'update||pods/finalizers', EV,
  ]],
  ['ttl-after-finished-controller', ['delete,get,list,watch|batch|jobs', EV]],
  ['ttl-controller', ['list,patch,update,watch||nodes', EV]],
  ['validatingadmissionpolicy-status-controller', [`${RO}|admissionregistration.k8s.io|validatingadmissionpolicies`, 'get,patch,update|admissionregistration.k8s.io|validatingadmissionpolicies/status', EV]],
  ['volumeattributesclass-protection-controller', [`${RO}||persistentvolumeclaims`, `${RO}||persistentvolumes`, 'get,list,update,watch|storage.k8s.io|volumeattributesclasses', EV]],
];

const PREFIX = 'system:controller:';

export const CONTROLLER_ROLES: RoleSpec[] = roles.map(([name, rules]) => ({ name: PREFIX + name, rules }));

export const CONTROLLER_ROLE_BINDINGS: BindingSpec[] = roles.map(([name]) => ({ name: PREFIX + name, role: PREFIX + name, subjects: [`ServiceAccount:kube-system/${name}`] }));
