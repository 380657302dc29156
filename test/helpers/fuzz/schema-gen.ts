// Random values of the right JSON type for any position of a served kind, from the server's own
// schema model (src/schema, generated from upstream's OpenAPI): bodies that get past decoding and
// reach validation, defaulting, the controllers and storage.
import { childNode, definitionFor, elementNode, schemaNode, type SchemaNode } from '../../../src/schema/index.js';
import type { Rng } from './prng.js';
import type { FuzzValue } from './values.js';

/** words upstream's enums use, so that some random strings are valid ones */
const VOCAB = [
  'TCP', 'UDP', 'SCTP', 'Always', 'IfNotPresent', 'Never', 'OnFailure', 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'None',
  'ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'Filesystem', 'Block', 'Exists', 'Equal', 'In', 'NotIn', 'DoesNotExist', 'NoSchedule',
  'NoExecute', 'PreferNoSchedule', 'IPv4', 'IPv6', 'FQDN', 'Retain', 'Delete', 'Recycle', 'Immediate', 'WaitForFirstConsumer', 'Opaque',
  'RollingUpdate', 'OnDelete', 'OrderedReady', 'Parallel', 'Cluster', 'Local', 'ClientIP', 'Normal', 'Warning', 'Container', 'Pod',
  'True', 'False', 'Unknown', 'Ready', 'Running', 'Pending', 'Bound', 'Available', 'Active', 'Terminating', 'kubernetes',
  'SingleStack', 'PreferDualStack', 'RequireDualStack', 'Default', 'ClusterFirst', 'File', 'FallbackToLogsOnError', 'Retain',
];

const QUANTITIES = ['0', '1', '100m', '1Gi', '5G', '2.5', '1e3', '-1', '1Ki', '0.001', '123456789012345678901234567890', '1.5Ei', 'abc'];
const TIMES = ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123456Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday', ''];

export interface GenOptions {
  /** the deepest nesting to fill in (deeper structs are left empty) */
  maxDepth: number;
}

function scalar(rng: Rng, node: SchemaNode, field: string): FuzzValue {
  switch (node.special) {
    case 'quantity':
      return rng.pick(QUANTITIES);
    case 'time':
      return rng.pick(TIMES);
    case 'int-or-string':
      return rng.chance(0.5) ? rng.int(70000) - 2 : rng.chance(0.5) ? rng.pick(['web', '50%', '8080', '']) : rng.word();
  }
  switch (node.type) {
    case 'integer':
      // workload sizes stay small: a StatefulSet of a billion replicas is a valid object whose
      // controller would (rightly) spend the whole run creating Pods
      if (/replicas|parallelism|completions/i.test(field)) return rng.int(3);
      if (rng.chance(0.2)) return rng.pick([-1, 0, 2147483647, 65536, 1 << 30]);
      return rng.int(node.format === 'int32' ? 100 : 100000);
    case 'number':
      return rng.chance(0.5) ? rng.int(10) : rng.next() * 100;
    case 'boolean':
      return rng.chance(0.5);
    default:
      if (rng.chance(0.35)) return rng.pick(VOCAB);
      if (rng.chance(0.1)) return rng.pick(['', '10.0.0.1', 'a.b.c', 'x/y', 'ÄÖ', '-a-', 'a'.repeat(64)]);
      return rng.word();
  }
}

/** A random value for `node`, `depth` levels below the root. */
export function generate(rng: Rng, node: SchemaNode | undefined, opts: GenOptions, depth = 0, field = ''): FuzzValue {
  if (!node || node.kind === 'any') return rng.chance(0.5) ? { [rng.word()]: rng.word() } : rng.word();
  switch (node.kind) {
    case 'scalar':
      return scalar(rng, node, field);
    case 'list': {
      if (depth >= opts.maxDepth) return [];
      const n = rng.int(3);
      const out: FuzzValue[] = [];
      for (let i = 0; i < n; i++) out.push(generate(rng, elementNode(node), opts, depth + 1, field));
      return out;
    }
    case 'map': {
      if (depth >= opts.maxDepth) return {};
      const out: Record<string, FuzzValue> = {};
      const n = rng.int(3);
      for (let i = 0; i < n; i++) out[rng.chance(0.2) ? `example.com/${rng.word()}` : rng.word()] = generate(rng, elementNode(node), opts, depth + 1, field);
      return out;
    }
    case 'struct': {
      const out: Record<string, FuzzValue> = {};
      if (depth >= opts.maxDepth) return out;
      const props = Object.keys(node.properties ?? {});
      const required = new Set(node.required ?? []);
      // fewer optional fields the deeper we are, so that bodies stay a few KB
      const p = Math.max(0.08, 0.5 - depth * 0.1);
      for (const name of props) {
        if (name === 'status' && depth === 0) continue;
        if (!required.has(name) && !rng.chance(p)) continue;
        out[name] = generate(rng, childNode(node, name), opts, depth + 1, name);
      }
      return out;
    }
  }
  return null;
}

/** The schema node of a kind's root. */
export function kindNode(group: string, version: string, kind: string): SchemaNode | undefined {
  const d = definitionFor(group, version, kind);
  return d ? schemaNode(d) : undefined;
}

/** The schema node at a path below a kind's root (array indices step into list elements). */
export function nodeAt(root: SchemaNode | undefined, path: (string | number)[]): SchemaNode | undefined {
  let n = root;
  for (const seg of path) {
    if (!n) return undefined;
    n = typeof seg === 'number' ? elementNode(n) : childNode(n, seg);
  }
  return n;
}
