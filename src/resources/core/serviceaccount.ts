// core/v1 ServiceAccount: pkg/registry/core/serviceaccount (no status, a `token` subresource).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { required } from '../../registry/validation.js';
import { serviceAccountPrinter } from '../../printers/core.js';
import { installServiceAccountAdmission } from './serviceaccount-admission.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function validateServiceAccount(sa: KObject): Cause[] {
  const errs: Cause[] = [];
  (Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets : []).forEach((s: unknown, i: number) => {
    if (isObj(s) && !s.name) errs.push(required(`imagePullSecrets[${i}].name`));
  });
  return errs;
}

export const serviceAccountDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  // serviceaccounts/token: the TokenRequest API (resources/authentication/tokenrequest.ts)
  subresources: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }],
  definition: 'io.k8s.api.core.v1.ServiceAccount',
  table: serviceAccountPrinter,
  validate: validateServiceAccount,
  validateUpdate: (n) => validateServiceAccount(n),
  generationChanged: () => false,
  // the ServiceAccount admission plugin (pods read their account)
  install: (registry, config) => installServiceAccountAdmission(registry, config),
};
