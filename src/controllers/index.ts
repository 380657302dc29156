// Every controller the manager can run: adding one = its module and one line here.
import type { Controller } from './manager.js';
import { storageControllers } from './persistentvolume/index.js';
import { nodesController } from './nodes.js';
import { nodeLifecycleController } from './nodes/lifecycle.js';
import { schedulerController } from './scheduler.js';
import { nodeAgentController } from './nodeagent/index.js';
import { statefulSetController } from './statefulset/index.js';
import { deploymentController } from './deployment/index.js';
import { replicaSetController, replicationControllerController } from './replicaset/index.js';
import { daemonSetController } from './daemonset/index.js';
import { cronJobController } from './cronjob/index.js';
import { ttlAfterFinishedController } from './ttlafterfinished/index.js';
import { jobController } from './job/index.js';
import { garbageCollectorController } from './garbagecollector.js';
import { namespaceController } from './namespace.js';
import { serviceAccountController } from './serviceaccount.js';
import { rootCACertPublisherController } from './rootcacertpublisher.js';
import { tokensController } from './tokens.js';
import { systemNamespacesController } from './systemnamespaces.js';
import { endpointsController } from './network/endpoints.js';
import { endpointSliceController } from './network/endpointslice.js';
import { endpointSliceMirroringController } from './network/mirroring.js';
import { disruptionController } from './disruption/index.js';
import { resourceQuotaController } from './resourcequota.js';

export function allControllers(): Controller[] {
  return [
    nodesController(),
    nodeLifecycleController(),
    schedulerController(),
    nodeAgentController(),
    statefulSetController,
    deploymentController,
    replicaSetController,
    replicationControllerController,
    daemonSetController,
    cronJobController,
    ttlAfterFinishedController,
    jobController,
    ...storageControllers(),
    garbageCollectorController(),
    namespaceController(),
    serviceAccountController(),
    rootCACertPublisherController(),
    tokensController(),
    systemNamespacesController(),
    endpointsController(),
    endpointSliceController(),
    endpointSliceMirroringController(),
    disruptionController,
    resourceQuotaController,
  ];
}
