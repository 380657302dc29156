// The ReplicaSet and ReplicationController controllers (one implementation: controller.ts).
import { replicaSetKind, replicationControllerKind, workloadReplicasController } from './controller.js';

export { podFromTemplate, calculateStatus, BURST_REPLICAS } from './controller.js';
export const replicaSetController = workloadReplicasController(replicaSetKind);
export const replicationControllerController = workloadReplicasController(replicationControllerKind);
