// core/v1 Secret: pkg/registry/core/secret/strategy.go, SetDefaults_Secret, the stringData
// conversion (pkg/apis/core/v1/conversion.go) and ValidateSecret / ValidateSecretUpdate.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required, tooLong, immutable } from '../../registry/validation.js';
import { canonicalBase64, configMapKeyErrors, validateImmutableData, MAX_DATA_SIZE } from './configmap.js';
import { secretPrinter } from '../../printers/core.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function validateSecret(s: KObject): Cause[] {
  const errs: Cause[] = [];
  const data = isObj(s.data) ? s.data : {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of configMapKeyErrors(k)) errs.push(invalid(`data[${k}]`, k, m));
    total += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
  }
  if (total > MAX_DATA_SIZE) errs.push(tooLong('data', '', MAX_DATA_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const nonEmpty = (k: string) => typeof data[k] === 'string' && data[k].length > 0;
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata?.annotations?.['kubernetes.io/service-account.name'])
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
      if (!nonEmpty('.dockercfg')) errs.push(required('data[.dockercfg]'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!nonEmpty('.dockerconfigjson')) errs.push(required('data[.dockerconfigjson]'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!nonEmpty('ssh-privatekey')) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(required('data[tls.key]'));
      break;
    default:
  }
  return errs;
}

export const secretDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.Secret',
  table: secretPrinter,

  defaults(obj) {
    if (!obj.type) obj.type = 'Opaque';
    // data is []byte: text Go cannot decode was refused by the decoder (400)
    canonicalBase64(obj.data);
    // stringData is write-only: merged into data (base64) on decode
    if (isObj(obj.stringData)) {
      const data = isObj(obj.data) ? obj.data : (obj.data = {});
      for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    }
    delete obj.stringData;
  },

  validate: validateSecret,
  validateUpdate(newObj, oldObj) {
    const errs: Cause[] = [];
    if (newObj.type !== oldObj.type) errs.push(immutable('type', newObj.type ?? ''));
    errs.push(...validateImmutableData(newObj, oldObj, ['data']));
    errs.push(...validateSecret(newObj));
    return errs;
  },
  generationChanged: () => false,
  fieldSelectors: { type: (o) => o.type ?? '' },
};
