// Protobuf message definitions (runtime, intstr, resource, meta/v1, core/v1) for
// the Kubernetes types kubectl 1.32+ sends as
// `application/vnd.kubernetes.protobuf` request bodies.
//
// Field numbers follow upstream's generated.proto files:
//   staging/src/k8s.io/apimachinery/pkg/runtime/generated.proto
//   staging/src/k8s.io/apimachinery/pkg/util/intstr/generated.proto
//   staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
//   staging/src/k8s.io/api/{core,authorization,authentication,rbac,scheduling}/v1/generated.proto
// Field names are the JSON names and fields are listed in Go struct order, so
// the decoded JSON keeps the key order the JSON API uses.
//
// Two field options drive the JSON rendering (see ./tojson.ts):
//   (always) the Go field has no `omitempty`: a zero value is still rendered
//            (a missing slice or map becomes null, as Go renders a nil slice).
//   (ptr)    the Go field is a pointer: rendered whenever present on the wire,
//            even when it holds a zero value.
// Every other scalar, repeated or map field is omitted when empty.
// Nested messages are rendered whenever present (gogo-protobuf always writes
// non-pointer struct fields and writes pointer ones only when non-nil).

export const RUNTIME_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;
message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`;

export const INTSTR_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;

export const RESOURCE_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity {
  optional string string = 1;
}
`;

export const META_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}
message FieldsV1 {
  optional bytes Raw = 1;
}
message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(ptr) = true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message OwnerReference {
  optional string apiVersion = 5 [(always) = true];
  optional string kind = 1 [(always) = true];
  optional string name = 3 [(always) = true];
  optional string uid = 4 [(always) = true];
  optional bool controller = 6 [(ptr) = true];
  optional bool blockOwnerDeletion = 7 [(ptr) = true];
}
message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}
message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}
message LabelSelectorRequirement {
  optional string key = 1 [(always) = true];
  optional string operator = 2 [(always) = true];
  repeated string values = 3;
}
message FieldSelectorRequirement {
  optional string key = 1 [(always) = true];
  optional string operator = 2 [(always) = true];
  repeated string values = 3;
}
message Condition {
  optional string type = 1 [(always) = true];
  optional string status = 2 [(always) = true];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5 [(always) = true];
  optional string message = 6 [(always) = true];
}
`;

export const M = '.k8s.io.apimachinery.pkg.apis.meta.v1';
export const Q = '.k8s.io.apimachinery.pkg.api.resource.Quantity';

export const CORE_PROTO = `
syntax = "proto2";
package k8s.io.api.core.v1;
message Namespace {
  optional ${M}.ObjectMeta metadata = 1;
  optional NamespaceSpec spec = 2;
  optional NamespaceStatus status = 3;
}
message NamespaceSpec {
  repeated string finalizers = 1;
}
message NamespaceStatus {
  optional string phase = 1;
  repeated NamespaceCondition conditions = 2;
}
message NamespaceCondition {
  optional string type = 1 [(always) = true];
  optional string status = 2 [(always) = true];
  optional ${M}.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message Service {
  optional ${M}.ObjectMeta metadata = 1;
  optional ServiceSpec spec = 2;
  optional ServiceStatus status = 3;
}
message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  optional string clusterIP = 3;
  repeated string clusterIPs = 18;
  optional string type = 4;
  repeated string externalIPs = 5;
  optional string sessionAffinity = 7;
  optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  optional string externalName = 10;
  optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12;
  optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14;
  repeated string ipFamilies = 19;
  optional string ipFamilyPolicy = 17 [(ptr) = true];
  optional bool allocateLoadBalancerNodePorts = 20 [(ptr) = true];
  optional string loadBalancerClass = 21 [(ptr) = true];
  optional string internalTrafficPolicy = 22 [(ptr) = true];
  optional string trafficDistribution = 23 [(ptr) = true];
}
message ServicePort {
  optional string name = 1;
  optional string protocol = 2;
  optional string appProtocol = 6 [(ptr) = true];
  optional int32 port = 3 [(always) = true];
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString targetPort = 4;
  optional int32 nodePort = 5;
}
message SessionAffinityConfig {
  optional ClientIPConfig clientIP = 1;
}
message ClientIPConfig {
  optional int32 timeoutSeconds = 1 [(ptr) = true];
}
message ServiceStatus {
  optional LoadBalancerStatus loadBalancer = 1;
  repeated ${M}.Condition conditions = 2;
}
message LoadBalancerStatus {
  repeated LoadBalancerIngress ingress = 1;
}
message LoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  optional string ipMode = 3 [(ptr) = true];
  repeated PortStatus ports = 4;
}
message PortStatus {
  optional int32 port = 1 [(always) = true];
  optional string protocol = 2 [(always) = true];
  optional string error = 3 [(ptr) = true];
}
message ConfigMap {
  optional ${M}.ObjectMeta metadata = 1;
  optional bool immutable = 4 [(ptr) = true];
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
}
message Secret {
  optional ${M}.ObjectMeta metadata = 1;
  optional bool immutable = 5 [(ptr) = true];
  map<string, bytes> data = 2;
  map<string, string> stringData = 4;
  optional string type = 3;
}
message ServiceAccount {
  optional ${M}.ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4 [(ptr) = true];
}
message ResourceQuota {
  optional ${M}.ObjectMeta metadata = 1;
  optional ResourceQuotaSpec spec = 2;
  optional ResourceQuotaStatus status = 3;
}
message ResourceQuotaSpec {
  map<string, ${Q}> hard = 1;
  repeated string scopes = 2;
  optional ScopeSelector scopeSelector = 3;
}
message ScopeSelector {
  repeated ScopedResourceSelectorRequirement matchExpressions = 1;
}
message ScopedResourceSelectorRequirement {
  optional string scopeName = 1 [(always) = true];
  optional string operator = 2 [(always) = true];
  repeated string values = 3;
}
message ResourceQuotaStatus {
  map<string, ${Q}> hard = 1;
  map<string, ${Q}> used = 2;
}
message ObjectReference {
  optional string kind = 1;
  optional string namespace = 2;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional string resourceVersion = 6;
  optional string fieldPath = 7;
}
message LocalObjectReference {
  optional string name = 1;
}
`;
