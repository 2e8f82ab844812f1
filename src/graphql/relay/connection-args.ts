import { ArgsType, Field, Int } from 'type-graphql';
import { badInput } from '../errors.js';
import { decodeCursor, type CursorValue, type CursorValueType } from './cursor.js';

/** Page size when a client gives neither `first` nor `last` (also what the complexity limit assumes). */
export const DEFAULT_PAGE_SIZE = 100;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'Return at most this many items from the start (after `after`, if given).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of an edge: return items after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'Return at most this many items from the end (before `before`, if given).' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of an edge: return items before it.' })
  before?: string | null;
}

/**
 * A validated page request. Fetch `limit + 1` rows so `buildConnection` can tell whether more exist:
 * forward pages in ascending sort order after `after` (and before `before`), backward pages in
 * descending order before `before` (and after `after`).
 */
export interface PageRequest {
  direction: 'forward' | 'backward';
  limit: number;
  after: CursorValue[] | null;
  before: CursorValue[] | null;
  /** Ordering tag the cursors were checked against and new cursors are issued with. */
  tag: string;
}

export interface PageRequestOptions {
  maxPageSize: number;
  /** Names the ordering in use; cursors from another ordering are refused. */
  tag?: string;
  /** Number of values in this ordering's sort key. */
  arity?: number;
  /** SQL type of each value of this ordering's sort key (implies `arity`); see DecodeCursorOptions. */
  types?: readonly CursorValueType[];
}

export function checkPageSize(name: 'first' | 'last', value: number, maxPageSize: number): number {
  if (!Number.isInteger(value) || value < 0) throw badInput(`Argument "${name}" must be a non-negative integer (got ${value})`, { argumentName: name });
  if (value > maxPageSize) {
    throw badInput(`Argument "${name}" must not exceed the maximum page size of ${maxPageSize} (got ${value})`, { argumentName: name });
  }
  return value;
}

export function pageRequest(args: ConnectionArgs, options: PageRequestOptions): PageRequest {
  const { first, last } = args;
  if (first != null && last != null) {
    throw badInput('Pass either "first" or "last", not both', { argumentName: 'last' });
  }
  const tag = options.tag ?? '';
  const decode = (cursor: string | null | undefined, argName: 'after' | 'before') =>
    cursor == null ? null : decodeCursor(cursor, { tag, arity: options.arity, types: options.types, argName });
  const after = decode(args.after, 'after');
  const before = decode(args.before, 'before');
  if (last != null) {
    return { direction: 'backward', limit: checkPageSize('last', last, options.maxPageSize), after, before, tag };
  }
  const limit = first != null ? checkPageSize('first', first, options.maxPageSize) : Math.min(DEFAULT_PAGE_SIZE, options.maxPageSize);
  return { direction: 'forward', limit, after, before, tag };
}
