// Every controller the manager can run: adding one = its module and one line here.
import type { Controller } from './manager.js';
import { storageControllers } from './persistentvolume/index.js';
import { garbageCollectorController } from './garbagecollector.js';
import { namespaceController } from './namespace.js';

export function allControllers(): Controller[] {
  return [
    ...storageControllers(),
    garbageCollectorController(),
    namespaceController(),
  ];
}
