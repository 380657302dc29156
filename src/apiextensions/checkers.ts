// Installs the CustomResourceDefinition kind's schema checks: the structural-schema rules, the
// defaults' checks and the CEL compilation (loaded with the rest of ./load.ts).
import type { Cause } from '../resources/types.js';
import { setSchemaCheckers } from '../resources/apiextensions/customresourcedefinition.js';
import { validateDefaults, validateStructuralSchema } from './schema/index.js';
import { compileValidations } from './cel/index.js';

// A schema nested deeper than a check can walk (bodies may nest 10,000 levels) is not refused for
// that: upstream's checks have Go's stacks; here the check is skipped (and the schema served unchecked).
const deepSafe =
  (check: (schema: any, fldPath: string) => Cause[]) =>
  (schema: any, fldPath: string): Cause[] => {
    try {
      return check(schema, fldPath).filter((c) => !c.message.includes('Maximum call stack size exceeded'));
    } catch (err) {
      if (err instanceof RangeError) return [];
      throw err;
    }
  };

setSchemaCheckers({
  structural: deepSafe((schema, fldPath) => validateStructuralSchema(schema, fldPath)),
  defaults: deepSafe((schema, fldPath) => validateDefaults(schema, fldPath)),
  cel: deepSafe((schema, fldPath) => compileValidations(schema, fldPath).errors),
});
