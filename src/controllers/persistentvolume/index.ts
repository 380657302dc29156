// The storage controllers: PV binder, the emulator's hostPath provisioner, and in-use protection.
import type { Controller } from '../manager.js';
import { PersistentVolumeBinder } from './binder.js';
import { VolumeProvisioner } from './provisioner.js';
import { PVCProtectionController, PVProtectionController } from './protection.js';

export { PersistentVolumeBinder } from './binder.js';
export { VolumeProvisioner, installStandardStorageClass, STANDARD_CLASS, INSTALLED_ANNOTATION } from './provisioner.js';
export { PVCProtectionController, PVProtectionController } from './protection.js';
export { EMULATOR_PROVISIONER } from './helpers.js';

/** persistentvolume-binder, volume-provisioner, pvc-protection, pv-protection. */
export function storageControllers(): Controller[] {
  return [new PersistentVolumeBinder(), new VolumeProvisioner(), new PVCProtectionController(), new PVProtectionController()];
}
