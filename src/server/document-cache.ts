import { type DocumentNode, type GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import { LruCache } from './lru-cache.js';

/** Distinct operation texts kept parsed and validated; dashboards send a handful, each thousands of times. */
const MAX_DOCUMENTS = 500;

export type ParsedDocument = { document: DocumentNode } | { parseError: unknown } | { validationErrors: readonly GraphQLError[] };

/**
 * Parsed and validated documents by operation text, least recently used dropped first. A thousand subscribers sending
 * the same subscription share one document (about 12 KB each otherwise), and parsing and validating it happens once.
 * A document is read-only for graphql-js, so sharing it is safe.
 */
export class DocumentCache {
  private readonly entries: LruCache<ParsedDocument>;

  constructor(
    private readonly schema: GraphQLSchema,
    max = MAX_DOCUMENTS,
  ) {
    this.entries = new LruCache(max);
  }

  get(text: string): ParsedDocument {
    const hit = this.entries.get(text);
    if (hit) return hit;
    let entry: ParsedDocument;
    try {
      const document = parse(text);
      const validationErrors = validate(this.schema, document);
      entry = validationErrors.length > 0 ? { validationErrors } : { document };
    } catch (parseError) {
      entry = { parseError };
    }
    this.entries.set(text, entry);
    return entry;
  }
}
