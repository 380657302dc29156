// The admission plugins and start-up objects of the scheduling, node and core kinds that read
// other objects (so they are registry hooks, not strategy steps): Priority and RuntimeClass
// admission on pods, the system PriorityClasses and the ComponentStatus entries.
import type { Registry } from '../registry/registry.js';
import { installPriorityAdmission, bootstrapSystemPriorityClasses } from './scheduling/admission.js';
import { installRuntimeClassAdmission } from './node/admission.js';
import { bootstrapComponentStatuses } from './core/componentstatus.js';

export function installKindHooks(registry: Registry): void {
  installPriorityAdmission(registry);
  installRuntimeClassAdmission(registry);
  bootstrapSystemPriorityClasses(registry);
  bootstrapComponentStatuses(registry);
}
