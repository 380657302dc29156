// Every kind the server serves: adding a kind = adding its module and one line here.
import type { ResourceDef } from './types.js';
import { qualifiedResource } from './types.js';
import { printers, defaultPrinter, printerForVersion } from '../printers/index.js';
import { namespaceDef } from './namespace.js';
import { podDef } from './pod.js';
import { serviceDef } from './service.js';
import { endpointsDef } from './endpoints.js';
import { eventDef } from './event.js';
import { nodeDef } from './node.js';
import { resourceQuotaDef } from './resourcequota.js';
import { limitRangeDef } from './limitrange.js';
import { configMapDef } from './configmap.js';
import { secretDef } from './secret.js';
import { serviceAccountDef } from './serviceaccount.js';
import { persistentVolumeDef } from './persistentvolume.js';
import { persistentVolumeClaimDef } from './persistentvolumeclaim.js';
import { statefulSetDef } from './statefulset.js';
import { controllerRevisionDef } from './controllerrevision.js';
import { eventsV1EventDef } from './eventsv1.js';
import { endpointSliceDef } from './endpointslice.js';
import { storageClassDef } from './storageclass.js';
import { leaseDef } from './lease.js';
import { selfSubjectAccessReviewDef, selfSubjectRulesReviewDef, reviewSelfSubjectAccess, reviewSelfSubjectRules } from './authorization.js';

/** The served kinds, in discovery order within each group-version, as `emulatedMinor` serves them. */
export function allResources(emulatedMinor = 33): ResourceDef[] {
  const defs: ResourceDef[] = [
    configMapDef,
    endpointsDef,
    eventDef,
    limitRangeDef,
    namespaceDef,
    nodeDef,
    persistentVolumeClaimDef,
    persistentVolumeDef,
    podDef,
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
    storageClassDef,
  ];
  return defs.map((d) => ({ ...d, table: printerForVersion(d.table ?? printers[qualifiedResource(d)] ?? defaultPrinter, emulatedMinor) }));
}

/** Group-versions in discovery order (the preferred version first within a group). */
export const GROUP_ORDER = ['', 'apps', 'events.k8s.io', 'authorization.k8s.io', 'autoscaling', 'coordination.k8s.io', 'discovery.k8s.io', 'storage.k8s.io'];
