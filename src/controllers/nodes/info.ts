// The simulated nodes' identity: names, addresses, pod CIDRs and the Node object a kubelet
// registers (pkg/kubelet/kubelet_node_status.go initialNode + setters; labels as kind's node).
import { createHash } from 'node:crypto';
import type { KObject } from '../../resources/types.js';

/** First node: `kube-emulator-node`; then `kube-emulator-node-2`, `kube-emulator-node-3`, ... */
export const NODE_NAME_PREFIX = 'kube-emulator-node';

export function nodeName(index: number): string {
  return index === 0 ? NODE_NAME_PREFIX : `${NODE_NAME_PREFIX}-${index + 1}`;
}

/** The names of the `count` simulated nodes. */
export function nodeNames(count: number): string[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => nodeName(i));
}

/** The index of a simulated node name, or -1. */
export function nodeIndex(name: string | undefined): number {
  if (!name) return -1;
  if (name === NODE_NAME_PREFIX) return 0;
  const m = new RegExp(`^${NODE_NAME_PREFIX}-([0-9]+)$`).exec(name);
  if (!m) return -1;
  const n = Number(m[1]);
  return n >= 2 && String(n) === m[1] ? n - 1 : -1;
}

/** InternalIP of node i: 172.18.0.(i+2), like kind's docker network (nothing connects to it). */
export function nodeIP(index: number): string {
  return `172.18.${Math.floor((index + 2) / 256)}.${(index + 2) % 256}`;
}

/** Pod CIDR of node i: 10.244.i.0/24 (kube-controller-manager --cluster-cidr=10.244.0.0/16). */
export function podCIDR(index: number): string {
  return `10.244.${index % 256}.0/24`;
}

export const NODE_CAPACITY: Record<string, string> = {
  cpu: '8',
  'ephemeral-storage': '102626232Ki',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
  memory: '32863152Ki',
  pods: '110',
};

export const CONTAINER_RUNTIME_VERSION = 'containerd://1.7.24';
const OS_IMAGE = 'Debian GNU/Linux 12 (bookworm)';
const KERNEL_VERSION = '6.8.0-emulated';

function hex(seed: string, len: number): string {
  // deterministic so that a restarted emulator reports the same ids
  return createHash('sha256').update(seed).digest('hex').slice(0, len);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function nodeConditions(now: string, transitions?: Record<string, string>): KObject[] {
  const t = (type: string) => transitions?.[type] ?? now;
  // kubelet's setters: MemoryPressure, DiskPressure, PIDPressure, Ready (pkg/kubelet/nodestatus/setters.go)
  return [
    { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: t('MemoryPressure'), reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: t('DiskPressure'), reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: t('PIDPressure'), reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: t('Ready'), reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

/** The Node object the kubelet of node `index` registers. */
export function buildNode(index: number, kubeletVersion: string, emulatedMinor: number, now: string): KObject {
  const name = nodeName(index);
  const cidr = podCIDR(index);
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
  // like kind's single node, the first node is the (untainted) control plane
  if (index === 0) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const nodeInfo: KObject = {
    architecture: 'amd64',
    bootID: uuid(`${name}/boot`),
    containerRuntimeVersion: CONTAINER_RUNTIME_VERSION,
    kernelVersion: KERNEL_VERSION,
    // DisableNodeKubeProxyVersion (on by default from 1.33) leaves kubeProxyVersion empty
    kubeProxyVersion: emulatedMinor >= 33 ? '' : kubeletVersion,
    kubeletVersion,
    machineID: hex(`${name}/machine`, 32),
    operatingSystem: 'linux',
    osImage: OS_IMAGE,
    systemUUID: uuid(`${name}/system`),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr], providerID: `kube-emulator://${name}` },
    status: {
      capacity: { ...NODE_CAPACITY },
      allocatable: { ...NODE_CAPACITY },
      conditions: nodeConditions(now),
      addresses: [
        { type: 'InternalIP', address: nodeIP(index) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo,
      ...(emulatedMinor >= 30
        ? {
            runtimeHandlers: [
              { name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
              { name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
            ],
          }
        : {}),
    },
  };
}

/** RFC3339 with microseconds (metav1.MicroTime), as Lease renewTime/acquireTime serialise. */
export function microTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
