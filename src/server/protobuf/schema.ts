// Protobuf definitions for authorization, authentication, rbac and scheduling
// kinds, plus the kind registry. Conventions are described in ./schema-core.ts.
// Field numbers follow upstream's
// staging/src/k8s.io/api/{authorization,authentication,rbac,scheduling}/v1/generated.proto
import { CORE_PROTO, INTSTR_PROTO, M, META_PROTO, RESOURCE_PROTO, RUNTIME_PROTO } from './schema-core.js';

export const AUTHORIZATION_PROTO = `
syntax = "proto2";
package k8s.io.api.authorization.v1;
message ExtraValue {
  repeated string items = 1;
}
message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
  optional FieldSelectorAttributes fieldSelector = 8;
  optional LabelSelectorAttributes labelSelector = 9;
}
message FieldSelectorAttributes {
  optional string rawSelector = 1;
  repeated ${M}.FieldSelectorRequirement requirements = 2;
}
message LabelSelectorAttributes {
  optional string rawSelector = 1;
  repeated ${M}.LabelSelectorRequirement requirements = 2;
}
message NonResourceAttributes {
  optional string path = 1;
  optional string verb = 2;
}
message SelfSubjectAccessReview {
  optional ${M}.ObjectMeta metadata = 1;
  optional SelfSubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}
message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
}
message SubjectAccessReview {
  optional ${M}.ObjectMeta metadata = 1;
  optional SubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}
message LocalSubjectAccessReview {
  optional ${M}.ObjectMeta metadata = 1;
  optional SubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3;
  repeated string groups = 4;
  map<string, ExtraValue> extra = 5;
  optional string uid = 6;
}
message SubjectAccessReviewStatus {
  optional bool allowed = 1 [(always) = true];
  optional bool denied = 4;
  optional string reason = 2;
  optional string evaluationError = 3;
}
message SelfSubjectRulesReview {
  optional ${M}.ObjectMeta metadata = 1;
  optional SelfSubjectRulesReviewSpec spec = 2;
  optional SubjectRulesReviewStatus status = 3;
}
message SelfSubjectRulesReviewSpec {
  optional string namespace = 1;
}
message SubjectRulesReviewStatus {
  repeated ResourceRule resourceRules = 1 [(always) = true];
  repeated NonResourceRule nonResourceRules = 2 [(always) = true];
  optional bool incomplete = 3 [(always) = true];
  optional string evaluationError = 4;
}
message ResourceRule {
  repeated string verbs = 1 [(always) = true];
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
}
message NonResourceRule {
  repeated string verbs = 1 [(always) = true];
  repeated string nonResourceURLs = 2;
}
`;

export const AUTHENTICATION_PROTO = `
syntax = "proto2";
package k8s.io.api.authentication.v1;
message ExtraValue {
  repeated string items = 1;
}
message SelfSubjectReview {
  optional ${M}.ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}
message SelfSubjectReviewStatus {
  optional UserInfo userInfo = 1;
}
message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
  map<string, ExtraValue> extra = 4;
}
`;

export const RBAC_PROTO = `
syntax = "proto2";
package k8s.io.api.rbac.v1;
message Role {
  optional ${M}.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(always) = true];
}
message ClusterRole {
  optional ${M}.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2 [(always) = true];
  optional AggregationRule aggregationRule = 3;
}
message AggregationRule {
  repeated ${M}.LabelSelector clusterRoleSelectors = 1;
}
message PolicyRule {
  repeated string verbs = 1 [(always) = true];
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}
`;

export const SCHEDULING_PROTO = `
syntax = "proto2";
package k8s.io.api.scheduling.v1;
message PriorityClass {
  optional ${M}.ObjectMeta metadata = 1;
  optional int32 value = 2 [(always) = true];
  optional bool globalDefault = 3;
  optional string description = 4;
  optional string preemptionPolicy = 5 [(ptr) = true];
}
`;

export const ALL_PROTOS: readonly string[] = [
  RUNTIME_PROTO,
  INTSTR_PROTO,
  RESOURCE_PROTO,
  META_PROTO,
  CORE_PROTO,
  AUTHORIZATION_PROTO,
  AUTHENTICATION_PROTO,
  RBAC_PROTO,
  SCHEDULING_PROTO,
];

/** apiVersion + kind -> fully-qualified message name of the top-level object. */
export const KIND_MESSAGES: Readonly<Record<string, string>> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'v1/ResourceQuota': 'k8s.io.api.core.v1.ResourceQuota',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'k8s.io.api.authorization.v1.SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'k8s.io.api.authorization.v1.LocalSubjectAccessReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'scheduling.k8s.io/v1/PriorityClass': 'k8s.io.api.scheduling.v1.PriorityClass',
};
