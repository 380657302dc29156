// Simulated nodes: see nodes/controller.ts (registration, heartbeats, leases) and nodes/info.ts.
export { nodesController, registerNode, renewLease, postNodeStatus, LEASE_RENEW_MS, NODE_LEASE_NAMESPACE } from './nodes/controller.js';
export { nodeName, nodeNames, nodeIndex, nodeIP, podCIDR, NODE_NAME_PREFIX } from './nodes/info.js';
