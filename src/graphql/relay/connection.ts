import { isObjectType, type GraphQLSchema } from 'graphql';
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { encodeCursor, type CursorKey } from './cursor.js';
import type { PageRequest } from './connection-args.js';

// Plain data types use graphql-js's default resolver (`simpleResolvers`): no per-field wrapper call.
@ObjectType({ simpleResolvers: true, description: 'Where a page sits in its connection (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'More items follow this page (paging forward).' })
  hasNextPage: boolean;

  @Field({ description: 'More items precede this page (paging backward).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; null when the page is empty.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; null when the page is empty.' })
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/**
 * What a connection field returns; `totalCount` may be a function so the count runs only when asked for
 * (its resolver calls it: `bindConnectionCounts`). `edges` and `pageInfo` may be getters, so cursors are
 * encoded only for queries that select them.
 */
export interface Connection<T> {
  readonly edges: Edge<T>[];
  readonly nodes: T[];
  readonly pageInfo: PageInfo;
  readonly totalCount: number | (() => number | Promise<number>);
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` for a node type. The node type is a thunk so that types
 * referring to each other across modules can be declared in any order.
 */
export function connectionType<T extends object>(name: string, nodeType: () => ClassType<T>, description?: string): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `One ${name} in a ${name}Connection, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor: pass it as `after` or `before` to page from this edge.' })
    cursor: string;

    @Field(nodeType, { description: `The ${name}.` })
    node: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true, description: description ?? `A page of ${name} items (Relay cursor connection).` })
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType], { description: 'The items of this page with their cursors.' })
    edges: Edge<T>[];

    @Field(() => [nodeType()], { description: 'The items of this page, without cursors.' })
    nodes: T[];

    @Field(() => PageInfo, { description: 'Paging information.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'Number of items in the whole connection, ignoring paging.' })
    totalCount: number | (() => number | Promise<number>);
  }
  return ConnectionType;
}

function totalCountOf(connection: Connection<unknown>): number | Promise<number> {
  const { totalCount } = connection;
  return typeof totalCount === 'function' ? totalCount() : totalCount;
}

/**
 * graphql-js's default resolver calls a function-valued field, the compiled executor (graphql-jit) reads
 * the property as it is: every `<Name>Connection.totalCount` gets a resolver that calls it.
 */
export function bindConnectionCounts(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.name.endsWith('Connection')) continue;
    const field = type.getFields().totalCount;
    if (field && !field.resolve) field.resolve = totalCountOf;
  }
}

export interface BuildConnectionOptions<R, T> {
  /** The row's sort key, in the order of the page's ORDER BY (ending in a unique column). */
  cursorKey: (row: R) => CursorKey;
  /** Total rows matching the filter, or a function computing it only when the field is selected. */
  totalCount: number | (() => number | Promise<number>);
  /** Row → node; the rows themselves when absent. */
  map?: (row: R) => T;
}

/**
 * Turns up to `limit + 1` rows, in the order the page query returned them (ascending for forward
 * pages, descending for backward pages), into a connection. The extra row only says more exist.
 * Nodes are mapped at once; edges and pageInfo (whose cursors cost an encoding each) on first read.
 */
export function buildConnection<R, T = R>(rows: readonly R[], page: PageRequest, options: BuildConnectionOptions<R, T>): Connection<T> {
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  if (page.direction === 'backward') pageRows.reverse();
  const map = options.map ?? ((row: R) => row as unknown as T);
  const nodes = pageRows.map(map);
  // Encoded once per row: pageInfo's start and end cursors are the first and last edges' cursors.
  const cursors: string[] = [];
  const cursorAt = (i: number) => (cursors[i] ??= encodeCursor(options.cursorKey(pageRows[i]), page.tag));
  let edges: Edge<T>[] | undefined;
  let pageInfo: PageInfo | undefined;
  return {
    nodes,
    totalCount: options.totalCount,
    get edges() {
      edges ??= nodes.map((node, i) => ({ node, cursor: cursorAt(i) }));
      return edges;
    },
    get pageInfo() {
      pageInfo ??= {
        hasNextPage: page.direction === 'forward' ? hasMore : page.before !== null,
        hasPreviousPage: page.direction === 'backward' ? hasMore : page.after !== null,
        startCursor: nodes.length > 0 ? cursorAt(0) : null,
        endCursor: nodes.length > 0 ? cursorAt(nodes.length - 1) : null,
      };
      return pageInfo;
    },
  };
}
