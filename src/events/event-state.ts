import { snakeCase } from '../common/formats.js';

/** A row in the database's snake_case, as the read model maps it. */
type Row = Record<string, unknown>;

/** Column names by state key: a few dozen keys, converted once rather than once per event and subscriber. */
const COLUMNS = new Map<string, string>();

function column(key: string): string {
  let name = COLUMNS.get(key);
  if (name === undefined) {
    name = snakeCase(key);
    COLUMNS.set(key, name);
  }
  return name;
}

/** Event state (camelCase, as published), with `overrides` on top → the row shape (snake_case) the row mappers read. */
export function stateAsRow(state: Record<string, unknown>, overrides: Record<string, unknown> = {}): Row {
  const row: Row = {};
  for (const key of Object.keys(state)) row[column(key)] = state[key];
  for (const key of Object.keys(overrides)) row[column(key)] = overrides[key];
  return row;
}
