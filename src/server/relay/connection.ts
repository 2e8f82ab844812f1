import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { encodeCursor, type CursorKey } from './cursor.js';
import type { PageRequest } from './connection-args.js';

@ObjectType({ description: 'Where a page sits in its connection (Relay cursor connections).' })
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

/** What a connection field returns; `totalCount` may be a function so the count runs only when asked for. */
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  count: number | (() => number | Promise<number>);
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` for a node type. The node type is a thunk so that types
 * referring to each other across modules can be declared in any order.
 */
export function connectionType<T extends object>(name: string, nodeType: () => ClassType<T>, description?: string): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a ${name}Connection, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor: pass it as `after` or `before` to page from this edge.' })
    cursor: string;

    @Field(nodeType, { description: `The ${name}.` })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: description ?? `A page of ${name} items (Relay cursor connection).` })
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType], { description: 'The items of this page with their cursors.' })
    edges: Edge<T>[];

    @Field(() => [nodeType()], { description: 'The items of this page, without cursors.' })
    nodes: T[];

    @Field(() => PageInfo, { description: 'Paging information.' })
    pageInfo: PageInfo;

    count: number | (() => number | Promise<number>);

    @Field(() => Int, { description: 'Number of items in the whole connection, ignoring paging.' })
    totalCount(): number | Promise<number> {
      return typeof this.count === 'function' ? this.count() : this.count;
    }
  }
  return ConnectionType;
}

export interface BuildConnectionOptions<T> {
  /** The row's sort key, in the order of the page's ORDER BY (ending in a unique column). */
  cursorKey: (row: T) => CursorKey;
  /** Total rows matching the filter, or a function computing it only when the field is selected. */
  totalCount: number | (() => number | Promise<number>);
}

/**
 * Turns up to `limit + 1` rows, in the order the page query returned them (ascending for forward
 * pages, descending for backward pages), into a connection. The extra row only says more exist.
 */
export function buildConnection<T>(rows: readonly T[], page: PageRequest, options: BuildConnectionOptions<T>): Connection<T> {
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  if (page.direction === 'backward') pageRows.reverse();
  const edges = pageRows.map((node) => ({ node, cursor: encodeCursor(options.cursorKey(node), page.tag) }));
  const pageInfo: PageInfo = {
    hasNextPage: page.direction === 'forward' ? hasMore : page.before !== null,
    hasPreviousPage: page.direction === 'backward' ? hasMore : page.after !== null,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
  return { edges, nodes: pageRows, pageInfo, count: options.totalCount };
}
