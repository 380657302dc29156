// The shared controller runtime: what every workload controller is built from.
export { controllerClient, userClient, type ControllerClient, type MaybePromise } from './client.js';
export { defineController, type ControllerSpec, type Runtime, type Resource, type Watched } from './define.js';
export { realClock, FakeClock, rfc3339, type Clock, type ClockTimer } from './clock.js';
export { WRITE, aggregate, controllerOf, newControllerRef, claimObjects, recheckDeletionTimestamp, type ClaimOptions } from './controllerref.js';
export { ControllerExpectations, UIDTrackingExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
export * from './history.js';
export * from './podutil.js';
export { Informer, InformerFactory, objectKey, splitObjectKey, registryListWatch, type ListWatch, type EventHandler, type IndexFunc } from '../informer.js';
export type { Controller, ControllerContext, ControllerOptions } from '../manager.js';
export type { ReconcileResult, WorkQueue } from '../workqueue.js';
