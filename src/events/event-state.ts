import type { Row } from '../inventory/inventory.rows.js';

/** Event state (camelCase, as published) → the row shape (snake_case) the row mappers read. */
export function stateAsRow(state: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(state)) row[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  return row;
}
