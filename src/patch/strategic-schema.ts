// Patch metadata lookups for strategic merge patch: the role upstream's LookupPatchMeta plays
// (k8s.io/apimachinery/pkg/util/strategicpatch/meta.go), answered from OpenAPI-style definitions
// (x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key) instead of Go struct tags.
import { getDefinition, type DefinitionSchema, type PropSchema } from '../schema/model.js';
import { errFieldNotFound } from './strategic-errors.js';

export type DefinitionLookup = (name: string) => DefinitionSchema | undefined;

/** What a field lookup yields: the field's (or, for lists, the element's) schema and its patch metadata. */
export interface PatchFieldMeta {
  schema: PatchSchema;
  /** x-kubernetes-patch-strategy split on ',' (e.g. ['merge', 'retainKeys']); [] when none */
  strategies: string[];
  mergeKey: string;
}

type Shape = 'struct' | 'map' | 'list' | 'scalar' | 'any';

export interface PatchSchemaOptions {
  /** Where `$ref` names resolve (default: the generated model, src/schema/model.ts getDefinition). */
  definitions?: DefinitionLookup;
  /**
   * Upstream fails with `unable to find api field in struct <T> for the json field "<f>"` when a map or
   * list value sits under a field its type does not declare and the original has it too. Off by
   * default: such fields then merge like schemaless JSON (maps recurse, lists are replaced).
   */
  strictFields?: boolean;
}

/** One position in the schema tree. */
export class PatchSchema {
  private constructor(
    private readonly shape: Shape,
    /** the Go-ish type name errors use (last segment of the definition name) */
    readonly typeName: string,
    private readonly props: Record<string, PropSchema> | undefined,
    private readonly elem: PropSchema | undefined,
    private readonly opts: Required<Pick<PatchSchemaOptions, 'definitions'>> & PatchSchemaOptions,
  ) {}

  /** The schema of a named definition; unknown names give a schemaless node. */
  static forDefinition(definition: string, opts: PatchSchemaOptions = {}): PatchSchema {
    const o = { ...opts, definitions: opts.definitions ?? getDefinition };
    return PatchSchema.resolve({ $ref: definition }, o);
  }

  static any(opts: PatchSchemaOptions = {}): PatchSchema {
    return new PatchSchema('any', 'interface', undefined, undefined, { ...opts, definitions: opts.definitions ?? getDefinition });
  }

  private static resolve(s: PropSchema, opts: Required<Pick<PatchSchemaOptions, 'definitions'>> & PatchSchemaOptions): PatchSchema {
    let d: DefinitionSchema = s;
    let name = '';
    if (s.$ref) {
      name = s.$ref.slice(s.$ref.lastIndexOf('.') + 1);
      d = opts.definitions(s.$ref) ?? {};
    }
    let shape: Shape = 'any';
    if (d['x-kubernetes-int-or-string'] || d['x-kubernetes-preserve-unknown-fields']) shape = 'any';
    else if (d.type === 'array') shape = 'list';
    else if (d.properties) shape = 'struct';
    else if (d.type === 'object' && typeof d.additionalProperties === 'object') shape = 'map';
    else if (d.type && d.type !== 'object') shape = 'scalar';
    const elem = shape === 'list' ? (d.items ?? {}) : shape === 'map' ? (d.additionalProperties as PropSchema) : undefined;
    return new PatchSchema(shape, name || shapeName(shape), d.properties, elem, opts);
  }

  /** Name() as upstream reports it in "cannot merge lists without merge key for %s". */
  get kindName(): string {
    return shapeName(this.shape);
  }

  /** LookupPatchMetadataForStruct: the field `key` of this struct (or a map's value schema). */
  lookupStruct(key: string): PatchFieldMeta {
    if (this.shape === 'struct') {
      const p = this.props?.[key];
      if (!p) {
        if (this.opts.strictFields) throw errFieldNotFound(this.typeName, key);
        return { schema: PatchSchema.any(this.opts), strategies: [], mergeKey: '' };
      }
      const def = p.$ref ? this.opts.definitions(p.$ref) : undefined;
      const strategy = p['x-kubernetes-patch-strategy'] ?? def?.['x-kubernetes-patch-strategy'] ?? '';
      const mergeKey = p['x-kubernetes-patch-merge-key'] ?? def?.['x-kubernetes-patch-merge-key'] ?? '';
      return { schema: PatchSchema.resolve(p, this.opts), strategies: strategy ? strategy.split(',') : [], mergeKey };
    }
    if (this.shape === 'map' && this.elem) return { schema: PatchSchema.resolve(this.elem, this.opts), strategies: [], mergeKey: '' };
    return { schema: PatchSchema.any(this.opts), strategies: [], mergeKey: '' };
  }

  /** LookupPatchMetadataForSlice: the field `key` as a list, with the element schema. */
  lookupSlice(key: string): PatchFieldMeta {
    const m = this.lookupStruct(key);
    return { ...m, schema: m.schema.element() };
  }

  /** The element schema of a list (schemaless for anything else). */
  element(): PatchSchema {
    if (this.shape === 'list' && this.elem) return PatchSchema.resolve(this.elem, this.opts);
    return PatchSchema.any(this.opts);
  }
}

function shapeName(shape: Shape): string {
  return shape === 'list' ? 'slice' : shape === 'any' ? 'interface' : shape === 'scalar' ? 'string' : shape;
}
