// Asynchronous admission run around the registry's (synchronous) write: webhooks and
// ValidatingAdmissionPolicies (apiserver pkg/admission/interfaces.go). The registry's own admission
// (defaulting, quota, limit ranges, service accounts) stays in its synchronous hooks; these run in
// the request path, in upstream's order: mutating, then the object's validation, then validating.
import type { KObject, ResourceDef } from '../resources/types.js';
import type { UserInfo } from '../auth/types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** admission.Attributes */
export interface AdmissionAttributes {
  operation: Operation;
  def: ResourceDef;
  /** the resource and kind as requested */
  resource: { group: string; version: string; resource: string };
  kind: { group: string; version: string; kind: string };
  subresource: string;
  namespace: string;
  name: string;
  /** the new object (CREATE, UPDATE); mutating admitters may replace it */
  object?: KObject;
  /** the stored object (UPDATE, DELETE) */
  oldObject?: KObject;
  /** CreateOptions / UpdateOptions / PatchOptions / DeleteOptions as an object */
  options?: KObject;
  dryRun: boolean;
  user: UserInfo;
}

export interface AdmissionResult {
  /** the object after mutation (mutating admitters only) */
  object?: KObject;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** Throws a StatusError to refuse. */
export interface MutatingAdmitter {
  name: string;
  /** cheap: whether any configuration could apply to a request for this resource (so the common path stays synchronous) */
  handles(a: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>): boolean;
  admit(a: AdmissionAttributes): Promise<AdmissionResult>;
}

export interface ValidatingAdmitter {
  name: string;
  handles(a: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>): boolean;
  validate(a: AdmissionAttributes): Promise<AdmissionResult>;
}

/** The server's asynchronous admission: plugins add themselves at start. */
export class AdmissionChain {
  readonly mutating: MutatingAdmitter[] = [];
  readonly validating: ValidatingAdmitter[] = [];
  handlesMutating(a: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>): boolean {
    return this.mutating.some((m) => m.handles(a));
  }
  handlesValidating(a: Pick<AdmissionAttributes, 'operation' | 'resource' | 'subresource'>): boolean {
    return this.validating.some((m) => m.handles(a));
  }
}
