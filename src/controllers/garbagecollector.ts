// The garbage collector controller ('garbagecollector'): deletes objects whose owners are gone,
// runs foreground deletion (owners wait for their blocking dependents) and orphaning (owners'
// references are removed from dependents first). Upstream: pkg/controller/garbagecollector.
// The graph and the workers live in ./gc/.
import type { Controller, ControllerContext } from './manager.js';
import { GarbageCollector } from './gc/collector.js';

export { GarbageCollector, monitoredDefs } from './gc/collector.js';

export function garbageCollectorController(): Controller & { collector?: GarbageCollector } {
  const c: Controller & { collector?: GarbageCollector } = {
    name: 'garbagecollector',
    start(ctx: ControllerContext) {
      c.collector = new GarbageCollector();
      c.collector.start(ctx);
    },
    stop() {
      c.collector?.stop();
    },
  };
  return c;
}
