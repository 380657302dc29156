// Every controller the manager can run: adding one = its module and one line here.
import type { Controller } from './manager.js';

export function allControllers(): Controller[] {
  return [];
}
