// The admission plugins' names and --disable-admission-plugins (apiserver
// pkg/server/options/admission.go; the names as pkg/kubeapiserver/options/plugins.go
// AllOrderedPlugins). A plugin installed by a kind (ResourceDef.install) asks
// admissionPluginEnabled before it adds its hooks.
import type { KindConfig } from '../resources/types.js';

/** Upstream's registered admission plugins (1.33), in upstream's order. */
export const ADMISSION_PLUGINS = [
  'AlwaysAdmit', 'NamespaceAutoProvision', 'NamespaceLifecycle', 'NamespaceExists', 'LimitPodHardAntiAffinityTopology',
  'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'AlwaysPullImages', 'ImagePolicyWebhook',
  'PodSecurity', 'PodNodeSelector', 'Priority', 'DefaultTolerationSeconds', 'PodTolerationRestriction', 'EventRateLimit',
  'ExtendedResourceToleration', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize', 'RuntimeClass', 'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction', 'DefaultIngressClass', 'DenyServiceExternalIPs', 'PodTopologyLabels',
  'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook',
  'ResourceQuota', 'AlwaysDeny',
];

/** The plugins that honour --disable-admission-plugins here (the others are always on). */
export const DISABLEABLE_ADMISSION_PLUGINS = ['ServiceAccount'];

/**
 * AdmissionOptions.Validate: every name must be a registered plugin. Returns the error messages
 * (upstream's wording); names upstream has but this server cannot turn off are refused too, so
 * that a flag is never silently ignored.
 */
export function admissionPluginErrors(disabled: string[]): string[] {
  const errs: string[] = [];
  for (const name of disabled) {
    if (!ADMISSION_PLUGINS.includes(name)) errs.push(`disable-admission-plugins plugin "${name}" is unknown`);
    else if (!DISABLEABLE_ADMISSION_PLUGINS.includes(name))
      errs.push(`disable-admission-plugins plugin "${name}" cannot be disabled in kube-emulator (only ${DISABLEABLE_ADMISSION_PLUGINS.join(', ')})`);
  }
  return errs;
}

/** Whether a plugin is on (not named in --disable-admission-plugins). */
export function admissionPluginEnabled(config: KindConfig | undefined, name: string): boolean {
  return !config?.disabledAdmissionPlugins?.includes(name);
}
