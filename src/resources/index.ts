// Every kind the server serves: adding a kind = adding its module and one line here.
import type { ResourceDef } from './types.js';
import { qualifiedResource } from './types.js';
import { defaultPrinter, printerForVersion } from '../printers/index.js';
import { registerValueFields } from '../fieldmanager/schema.js';
import { namespaceDef } from './core/namespace.js';
import { podDef } from './core/pod.js';
import { serviceDef } from './core/service.js';
import { endpointsDef } from './core/endpoints.js';
import { eventDef } from './core/event.js';
import { nodeDef } from './core/node.js';
import { resourceQuotaDef } from './core/resourcequota.js';
import { limitRangeDef } from './core/limitrange.js';
import { configMapDef } from './core/configmap.js';
import { secretDef } from './core/secret.js';
import { serviceAccountDef } from './core/serviceaccount.js';
import { persistentVolumeDef } from './core/persistentvolume.js';
import { persistentVolumeClaimDef } from './core/persistentvolumeclaim.js';
import { statefulSetDef } from './apps/statefulset.js';
import { cronJobDef } from './batch/cronjob.js';
import { jobDefFor } from './batch/job.js';
import { controllerRevisionDef } from './apps/controllerrevision.js';
import { deploymentDef } from './apps/deployment.js';
import { replicaSetDef } from './apps/replicaset.js';
import { daemonSetDef } from './apps/daemonset.js';
import { eventsV1EventDef } from './events/event.js';
import { endpointSliceDef } from './discovery/endpointslice.js';
import { storageClassDef } from './storage/storageclass.js';
import { ingressDef } from './networking/ingress.js';
import { ingressClassDef } from './networking/ingressclass.js';
import { networkPolicyDef } from './networking/networkpolicy.js';
import { podDisruptionBudgetDef } from './policy/poddisruptionbudget.js';
import { horizontalPodAutoscalerDef } from './autoscaling/horizontalpodautoscaler.js';
import { horizontalPodAutoscalerV1Def } from './autoscaling/horizontalpodautoscaler-v1.js';
import { leaseDef } from './coordination/lease.js';
import { mutatingWebhookConfigurationDef, validatingWebhookConfigurationDef } from './admissionregistration/webhookconfiguration.js';
import { customResourceDefinitionDefFor } from './apiextensions/customresourcedefinition.js';
import { componentStatusDef } from './core/componentstatus.js';
import { podTemplateDef } from './core/podtemplate.js';
import { replicationControllerDef } from './core/replicationcontroller.js';
import { priorityClassDef } from './scheduling/priorityclass.js';
import { runtimeClassDef } from './node/runtimeclass.js';
import { csiDriverDef } from './storage/csidriver.js';
import { csiNodeDef } from './storage/csinode.js';
import { volumeAttachmentDef } from './storage/volumeattachment.js';
import { volumeAttributesClassDef, VOLUME_ATTRIBUTES_CLASS_V1_SINCE } from './storage/volumeattributesclass.js';
import {
  localSubjectAccessReviewDef,
  reviewLocalSubjectAccess,
  reviewSelfSubjectAccess,
  reviewSelfSubjectRules,
  reviewSubjectAccess,
  selfSubjectAccessReviewDef,
  selfSubjectRulesReviewDef,
  subjectAccessReviewDef,
} from './authorization/reviews.js';
import { authenticationDefs } from './authentication/reviews.js';
import { rbacDefs } from './rbac/index.js';

/** The served kinds, in discovery order within each group-version, as `emulatedMinor` serves them. */
export function allResources(emulatedMinor = 33): ResourceDef[] {
  const defs: ResourceDef[] = [
    componentStatusDef,
    configMapDef,
    endpointsDef,
    eventDef,
    limitRangeDef,
    namespaceDef,
    nodeDef,
    persistentVolumeClaimDef,
    persistentVolumeDef,
    podDef,
    podTemplateDef,
    replicationControllerDef,
    resourceQuotaDef,
    secretDef,
    serviceAccountDef,
    serviceDef,
    controllerRevisionDef,
    daemonSetDef,
    deploymentDef,
    replicaSetDef,
    statefulSetDef,
    ...authenticationDefs(emulatedMinor),
    { ...selfSubjectAccessReviewDef, create: reviewSelfSubjectAccess },
    { ...selfSubjectRulesReviewDef, create: reviewSelfSubjectRules },
    { ...subjectAccessReviewDef, create: reviewSubjectAccess },
    { ...localSubjectAccessReviewDef, create: reviewLocalSubjectAccess },
    customResourceDefinitionDefFor(emulatedMinor),
    // autoscaling/v2 (the preferred version, the storage) before autoscaling/v1
    horizontalPodAutoscalerDef,
    horizontalPodAutoscalerV1Def,
    cronJobDef,
    jobDefFor(emulatedMinor),
    ingressClassDef,
    ingressDef,
    networkPolicyDef,
    podDisruptionBudgetDef,
    ...rbacDefs,
    leaseDef,
    mutatingWebhookConfigurationDef, validatingWebhookConfigurationDef,
    endpointSliceDef,
    eventsV1EventDef,
    csiDriverDef,
    csiNodeDef,
    storageClassDef,
    volumeAttachmentDef,
    ...(emulatedMinor >= VOLUME_ATTRIBUTES_CLASS_V1_SINCE ? [volumeAttributesClassDef] : []),
    priorityClassDef,
    runtimeClassDef,
  ];
  for (const d of defs) if (d.valueFields) registerValueFields(d.valueFields);
  return defs.map((d) => ({ ...d, table: printerForVersion(d.table ?? defaultPrinter, emulatedMinor) }));
}

/**
 * API groups in discovery order: kube-apiserver's group priorities, highest first (ties by name),
 * pkg/controlplane/apiserver/aggregator.go DefaultGenericAPIServicePriorities. Groups not listed
 * (custom resources) come after, by name.
 */
export const GROUP_ORDER = [
  '',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];
