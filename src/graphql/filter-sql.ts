/** SQL conditions shared by the inventory filters; every value is a bind parameter. */
import { badInput } from './errors.js';
import { uuidFromGlobalId } from './relay/index.js';
import { LabelSelectorError, labelRequirementsToSql, parseLabelSelector } from './label-selector.js';
import { likePattern, type SqlParams } from './sql-params.js';

/** Largest id or name list a filter accepts. */
export const MAX_FILTER_VALUES = 500;

function checkListSize(values: readonly unknown[], argName: string): void {
  if (values.length > MAX_FILTER_VALUES) {
    throw badInput(`Argument "${argName}" must not hold more than ${MAX_FILTER_VALUES} values (got ${values.length})`, { argumentName: argName });
  }
}

/** `column = ANY(ids)` for global ids of `type`; an id of another type is refused. */
export function idsCondition(column: string, ids: readonly string[], type: string, argName: string, params: SqlParams): string {
  checkListSize(ids, argName);
  const uuids = ids.map((id, i) => uuidFromGlobalId(id, type, `${argName}[${i}]`));
  return `${column} = ANY(${params.add(uuids)}::uuid[])`;
}

export function valuesCondition(column: string, values: readonly string[], argName: string, params: SqlParams, cast = 'text'): string {
  checkListSize(values, argName);
  return `${column} = ANY(${params.add(values)}::${cast}[])`;
}

export function labelSelectorCondition(column: string, selector: string, argName: string, params: SqlParams): string {
  try {
    return labelRequirementsToSql(parseLabelSelector(selector), column, params);
  } catch (err) {
    if (err instanceof LabelSelectorError) {
      throw badInput(`Argument "${argName}" is not a valid label selector: ${err.message}`, { argumentName: argName });
    }
    throw err;
  }
}

/** Case-insensitive substring match on a name; `%` and `_` in the text match themselves. */
export function searchCondition(column: string, text: string, argName: string, params: SqlParams): string {
  if (text.length > 253) throw badInput(`Argument "${argName}" must be at most 253 characters`, { argumentName: argName });
  return `${column} ILIKE ${params.add(likePattern(text))}`;
}
