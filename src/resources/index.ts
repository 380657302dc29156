// Every kind the server serves: adding a kind = adding its module and one line here.
import type { ResourceDef } from './types.js';
import { qualifiedResource } from './types.js';
import { printers, defaultPrinter, printerForVersion } from '../printers/index.js';
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
import { controllerRevisionDef } from './apps/controllerrevision.js';
import { eventsV1EventDef } from './events/event.js';
import { endpointSliceDef } from './discovery/endpointslice.js';
import { storageClassDef } from './storage/storageclass.js';
import { leaseDef } from './coordination/lease.js';
import { componentStatusDef } from './core/componentstatus.js';
import { podTemplateDef } from './core/podtemplate.js';
import { replicationControllerDef } from './core/replicationcontroller.js';
import { priorityClassDef } from './scheduling/priorityclass.js';
import { runtimeClassDef } from './node/runtimeclass.js';
import { csiDriverDef } from './storage/csidriver.js';
import { csiNodeDef } from './storage/csinode.js';
import { volumeAttachmentDef } from './storage/volumeattachment.js';
import { volumeAttributesClassDef, VOLUME_ATTRIBUTES_CLASS_V1_SINCE } from './storage/volumeattributesclass.js';
import { selfSubjectAccessReviewDef, selfSubjectRulesReviewDef, reviewSelfSubjectAccess, reviewSelfSubjectRules } from './authorization/reviews.js';

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
    statefulSetDef,
    { ...selfSubjectAccessReviewDef, create: reviewSelfSubjectAccess },
    { ...selfSubjectRulesReviewDef, create: reviewSelfSubjectRules },
    leaseDef,
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
  return defs.map((d) => ({ ...d, table: printerForVersion(d.table ?? printers[qualifiedResource(d)] ?? defaultPrinter, emulatedMinor) }));
}

/** Group-versions in discovery order (the preferred version first within a group). */
// (kube-aggregator apiVersionPriorities: storage 16800, scheduling 16600, coordination 16500, node 16300, discovery 16200)
export const GROUP_ORDER = ['', 'apps', 'events.k8s.io', 'authorization.k8s.io', 'autoscaling', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io'];
