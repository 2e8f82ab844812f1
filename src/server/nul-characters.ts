import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { badInput } from '../graphql/errors.js';

const NUL = '\u0000';

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([key, v]) => key.includes(NUL) || holdsNul(v));
  return false;
}

/**
 * PostgreSQL text cannot hold a NUL character, so a value with one can be neither stored nor compared: it is
 * refused here, for every argument at once, rather than failing as a database error wherever it lands.
 */
export function refuseNulCharacters(document: DocumentNode, variables: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (holdsNul(value)) throw badInput(`Variable "$${name}" holds a NUL character (\\u0000), which no text value may contain`, { argumentName: name });
  }
  visit(document, {
    [Kind.STRING](node) {
      if (node.value.includes(NUL)) {
        throw new GraphQLError('A string in the query holds a NUL character (\\u0000), which no text value may contain', {
          nodes: [node],
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
    },
  });
}
