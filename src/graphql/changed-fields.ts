import { snakeCase } from '../common/formats.js';
import { getMetadataStorage, registerEnumType } from 'type-graphql';

/**
 * The fields of a GraphQL object type as an enum (`PodField`, `ClusterField`, …) and the translation of a change
 * event's stored columns into it, so that a subscriber compares `changedFields` with its own selection.
 *
 * The enum's values are the type's own `@Field`s, read from type-graphql's metadata, named exactly as in the schema
 * (`restartCount`, not `RESTART_COUNT`): a field added to the type is in the enum with no second edit. Fields that
 * other domains attach with field resolvers (`Pod.node`, `Namespace.cost`) are not: they are not stored on the row,
 * so no change event can name them.
 */
export interface ChangedFieldEnum {
  /** The enum object registered with type-graphql (for `@Field(() => [enum])`). */
  readonly enum: Record<string, string>;
  /** GraphQL fields reading `columns` (camelCase or snake_case stored columns), each once, in declaration order. */
  fieldsOf(columns: readonly string[]): string[];
}

export interface ChangedFieldEnumOptions {
  /** The enum's name in the schema. */
  name: string;
  description: string;
  /**
   * The stored columns (snake_case) each field is read from, as the type's row projection declares them: a changed
   * column is reported as every field that reads it. A field not listed reads the column of its own name; a column
   * that no field reads (resourceVersion, ownerUid) is dropped.
   */
  reads?: Record<string, readonly string[]>;
}

/** Registers `<name>` as the enum of `type`'s own fields. Call it beside the type, after the class is declared. */
export function changedFieldEnum(type: Function, options: ChangedFieldEnumOptions): ChangedFieldEnum {
  const own = getMetadataStorage().fields.filter((f) => f.target === type);
  const values = own.map((f) => f.schemaName);
  if (values.length === 0) throw new Error(`${type.name} has no GraphQL fields to make ${options.name} from`);
  const fieldsByColumn = new Map<string, string[]>();
  for (const field of values) {
    for (const column of options.reads?.[field] ?? [snakeCase(field)]) fieldsByColumn.set(column, [...(fieldsByColumn.get(column) ?? []), field]);
  }
  const enumObject = Object.fromEntries(values.map((v) => [v, v]));
  registerEnumType(enumObject, {
    name: options.name,
    description: options.description,
    valuesConfig: Object.fromEntries(own.map((f) => [f.schemaName, { description: f.description ?? `${type.name}.${f.schemaName}` }])),
  });
  const order = new Map(values.map((v, i) => [v, i]));
  const cache = new Map<string, string[]>();
  return {
    enum: enumObject,
    fieldsOf(columns) {
      if (columns.length === 0) return [];
      const key = columns.join(',');
      let fields = cache.get(key);
      if (!fields) {
        const found = new Set<string>();
        for (const column of columns) for (const field of fieldsByColumn.get(snakeCase(column)) ?? []) found.add(field);
        fields = [...found].sort((a, b) => order.get(a)! - order.get(b)!);
        // The few distinct column sets a kind produces (a restart, a rollout step) make a small cache.
        if (cache.size < 1000) cache.set(key, fields);
      }
      return [...fields];
    },
  };
}
