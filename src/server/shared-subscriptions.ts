import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute, print } from 'graphql';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue.js';
import type { AuthContext } from '../graphql/access.js';
import { type FailingStream, MAX_PENDING_EVENTS, subscriberTooSlow } from '../events/event-stream.js';

/**
 * Subscriptions whose operation, variables, organisation and role are equal see the same results, so they share one
 * execution per event: a group subscribes to the source stream once (with the first subscriber's context), executes
 * each event once with a context of its own (fresh loaders: nested fields are read when the event is delivered), and
 * hands the result to every member. A thousand wall screens showing the same feed cost one execution per event.
 * Two organisations, or two roles, never share (the key holds both).
 *
 * Each member has its own bounded queue: a member that falls MAX_PENDING_EVENTS results behind ends with
 * SUBSCRIBER_TOO_SLOW and the others go on; a group whose source fails (lost changes, an execution too far behind the
 * bus) ends all its members with that error, and takes no new ones. A member that joins a running group gets the
 * events executed after it joined.
 */
export interface SharedSubscriptionHooks {
  /** A fresh context for one execution, from the subscription's own. */
  contextFor: (subscriptionContext: unknown) => unknown;
  /** Once per executed event (not per member). */
  onExecution?: () => void;
  /** Executes one event for a group (default: graphql-js); its result goes to every member. */
  executeEvent?: (args: ExecutionArgs, rootValue: unknown, contextValue: unknown) => PromiseOrValue<ExecutionResult>;
  /** A member hands a result to its subscriber (graphql-ws sends it). */
  onDelivered?: () => void;
  /** A subscriber starts receiving (it gets every event executed from now on), and stops. */
  onJoin?: () => void;
  onLeave?: () => void;
  /** Results a member will never send: the one that overflowed its queue, or those queued when it ended. */
  onDropped?: (results: number) => void;
  /** A member ends with SUBSCRIBER_TOO_SLOW (it, or the group's execution, fell too far behind). */
  onTooSlow?: () => void;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Promise<Group | ExecutionResult>>();

  constructor(private readonly hooks: SharedSubscriptionHooks) {}

  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const key = keyOf(args);
    for (;;) {
      let opening = this.groups.get(key);
      if (!opening) {
        // Forgotten only while the key is still this entry's: a doomed group is replaced before its members have left.
        const entry: Promise<Group | ExecutionResult> = Group.open(args, this.hooks, () => forget());
        const forget = () => {
          if (this.groups.get(key) === entry) this.groups.delete(key);
        };
        opening = entry;
        this.groups.set(key, entry);
        // A refused subscription (bad filter, missing role) makes no group; the next one tries anew.
        void entry.then((g) => (g instanceof Group ? undefined : forget()), forget);
      }
      const group = await opening;
      if (!(group instanceof Group)) return group;
      const member = group.join();
      if (member) return member;
      // The group closed since our lookup (its last member left) or is doomed (its source failed): open a new one.
      if (this.groups.get(key) === opening) this.groups.delete(key);
    }
  }
}

function keyOf(args: ExecutionArgs): string {
  const auth = (args.contextValue as { auth?: AuthContext | null }).auth;
  return JSON.stringify([auth?.organizationId ?? null, auth?.role ?? null, args.operationName ?? null, print(args.document), args.variableValues ?? {}]);
}

class Group {
  private readonly members = new Set<Member>();
  private closed = false;
  private started = false;

  private constructor(
    private readonly source: AsyncIterator<unknown> & Partial<Pick<FailingStream<unknown>, 'failed'>>,
    private readonly args: ExecutionArgs,
    private readonly hooks: SharedSubscriptionHooks,
    private readonly onClose: () => void,
  ) {}

  static async open(args: ExecutionArgs, hooks: SharedSubscriptionHooks, onClose: () => void): Promise<Group | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    return new Group((source as AsyncIterable<unknown>)[Symbol.asyncIterator](), args, hooks, onClose);
  }

  /** A new member, or undefined when the group is closing or doomed (its caller then opens a fresh group). */
  join(): AsyncIterableIterator<ExecutionResult> | undefined {
    if (this.closed) return undefined;
    // A source with an error waiting (CHANGES_MISSED) would hand a newcomer nothing but older events and that error.
    if (this.source.failed) {
      if (this.members.size === 0) this.close();
      return undefined;
    }
    const member = new Member(() => this.leave(member), this.hooks);
    this.members.add(member);
    this.hooks.onJoin?.();
    // Pumped from the first member on, so that a group cannot end before anyone is there to be told.
    if (!this.started) {
      this.started = true;
      void this.pump();
    }
    return member.iterator;
  }

  private leave(member: Member): void {
    if (!this.members.delete(member)) return;
    this.hooks.onLeave?.();
    if (this.members.size === 0) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    void Promise.resolve(this.source.return?.()).catch(() => undefined);
  }

  /** Reads the source until it ends or fails, executing each event once for every member present. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const next = await this.source.next();
        if (next.done || this.closed) break;
        const contextValue = this.hooks.contextFor(this.args.contextValue);
        const result = await (this.hooks.executeEvent
          ? this.hooks.executeEvent(this.args, next.value, contextValue)
          : execute({ ...this.args, rootValue: next.value, contextValue }));
        this.hooks.onExecution?.();
        for (const member of this.members) member.push(result);
      }
      for (const member of [...this.members]) member.end();
    } catch (err) {
      // The source ended with an error (SUBSCRIBER_TOO_SLOW, CHANGES_MISSED): every member ends with it.
      const tooSlow = (err as { extensions?: { code?: unknown } } | undefined)?.extensions?.code === 'SUBSCRIBER_TOO_SLOW';
      for (const member of [...this.members]) {
        if (tooSlow) this.hooks.onTooSlow?.();
        member.fail(err);
      }
    } finally {
      this.close();
    }
  }
}

/** One subscriber of a group: its own queue of results, and the iterator graphql-ws reads. */
class Member {
  private readonly queue: ExecutionResult[] = [];
  private waiter: (() => void) | undefined;
  private failed = false;
  private failure: unknown;
  private done = false;
  readonly iterator: AsyncIterableIterator<ExecutionResult>;

  constructor(
    private readonly leave: () => void,
    private readonly hooks: Pick<SharedSubscriptionHooks, 'onDelivered' | 'onDropped' | 'onTooSlow'>,
  ) {
    const member = this;
    this.iterator = {
      async next(): Promise<IteratorResult<ExecutionResult>> {
        for (;;) {
          if (member.queue.length > 0) {
            member.hooks.onDelivered?.();
            return { value: member.queue.shift()!, done: false };
          }
          if (member.failed) {
            const failure = member.failure;
            member.finish();
            throw failure;
          }
          if (member.done) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (member.waiter = resolve));
        }
      },
      async return(): Promise<IteratorResult<ExecutionResult>> {
        member.finish();
        return { value: undefined, done: true };
      },
      async throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
        member.finish();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  push(result: ExecutionResult): void {
    if (this.done || this.failed) return;
    if (this.queue.length >= MAX_PENDING_EVENTS) {
      this.hooks.onDropped?.(1);
      this.hooks.onTooSlow?.();
      return this.fail(subscriberTooSlow());
    }
    this.queue.push(result);
    this.wake();
  }

  /** The source ended: what is queued is still delivered, then the iterator is done. */
  end(): void {
    this.done = true;
    this.leave();
    this.wake();
  }

  /** Ends with `err`, after what is already queued (a feed that ends in error must not look complete). */
  fail(err: unknown): void {
    this.failed = true;
    this.failure = err;
    this.leave();
    this.wake();
  }

  private finish(): void {
    this.done = true;
    this.failed = false;
    this.failure = undefined;
    if (this.queue.length > 0) this.hooks.onDropped?.(this.queue.length);
    this.queue.length = 0;
    this.leave();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
