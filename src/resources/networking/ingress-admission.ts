// DefaultIngressClass admission (plugin/pkg/admission/network/defaultingressclass/admission.go):
// an Ingress created with neither spec.ingressClassName nor the kubernetes.io/ingress.class
// annotation gets the class marked default; two or more default classes refuse the create.
import type { KObject } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import { forbidden } from '../../registry/errors.js';
import { admittedName } from '../../registry/meta.js';
import { INGRESS_CLASS_ANNOTATION } from './ingress.js';
import { IS_DEFAULT_INGRESS_CLASS_ANNOTATION } from './ingressclass.js';


export function installNetworkingAdmission(registry: Registry): void {
  const ingDef = registry.def('networking.k8s.io', 'ingresses');
  const classDef = registry.def('networking.k8s.io', 'ingressclasses');
  if (!ingDef || !classDef) return;
  registry.addAdmission(ingDef, (op, obj) => {
    if (op !== 'create') return;
    const spec: KObject = obj.spec ?? (obj.spec = {});
    if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
    const ann = obj.metadata?.annotations;
    if (ann && Object.prototype.hasOwnProperty.call(ann, INGRESS_CLASS_ANNOTATION)) return;
    const classes = registry.list(classDef, undefined).items as KObject[];
    const defaults = classes.filter((c) => c?.metadata?.annotations?.[IS_DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
    if (defaults.length > 1)
      // admission.NewForbidden wrapping errors.NewInternalError
      throw forbidden(ingDef, admittedName(obj.metadata), `Internal error occurred: ${defaults.length} default IngressClasses were found, only 1 allowed`);
    if (defaults.length === 1) spec.ingressClassName = defaults[0]!.metadata.name;
  });
}
