// Libraries most requests never need are loaded on first use, not at start-up (start-up time and
// idle memory are features). A synchronous require of their CommonJS builds keeps call sites sync.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazy<T>(load: () => T): () => T {
  let value: T | undefined;
  let loaded = false;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value as T;
  };
}

export const yamlLib = lazy(() => require('yaml') as typeof import('yaml'));
export const jsonPatchLib = lazy(() => require('fast-json-patch') as typeof import('fast-json-patch'));
export const typeboxValue = lazy(() => require('@sinclair/typebox/value') as typeof import('@sinclair/typebox/value'));
export const typeboxLib = lazy(() => require('@sinclair/typebox') as typeof import('@sinclair/typebox'));
