import { GraphQLError } from 'graphql';
import { CursorExpired } from './change-log.js';
import type { EventBus } from './event-bus.js';

const PREFIX = 'change:';

/** The opaque cursor of the event at sequence number `seq` of the change log. */
export function encodeEventCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`).toString('base64url');
}

function badCursor(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentName: 'after', ...extensions } });
}

/**
 * The sequence number a subscription resumes after, checked against what the change log still holds: a cursor from
 * another API or a malformed one, and one older than the log's retention, are refused with the reason.
 */
export async function resumePoint(bus: EventBus, cursor: string | null | undefined): Promise<number | undefined> {
  if (cursor === null || cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = text.startsWith(PREFIX) && /^\d{1,15}$/.test(text.slice(PREFIX.length)) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || encodeEventCursor(seq) !== cursor) {
    throw badCursor(`Argument "after" is not a change event cursor (use the "cursor" of an event this API delivered)`);
  }
  if (!bus.readAfter) throw badCursor('Resuming needs the change log, which this server does not keep');
  try {
    await bus.readAfter(seq, 0);
  } catch (err) {
    if (!(err instanceof CursorExpired)) throw err;
    const oldestCursor = encodeEventCursor(err.oldestSeq);
    throw badCursor(
      `The events after this cursor are no longer kept (they are older than KUBEGRAPH_EVENT_RETENTION): query the current state, then subscribe without "after" or with the oldest cursor still available, "${oldestCursor}"`,
      { oldestCursor },
    );
  }
  return seq;
}
