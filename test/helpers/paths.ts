// Where the shared material is: ../shared beside the repository (as on developers' machines and in CI).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = join(REPO_ROOT, '..', 'shared');
export const SEED = join(SHARED, 'seed');
