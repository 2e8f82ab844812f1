import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute, print } from 'graphql';
import type { AuthContext } from '../auth/access.js';
import { MAX_PENDING_EVENTS, subscriberTooSlow } from '../events/event-stream.js';

/**
 * Subscriptions whose operation, variables, organisation and role are equal see the same results, so they share one
 * execution per event: a group subscribes to the source stream once (with the first subscriber's context), executes
 * each event once with a context of its own (fresh loaders: nested fields are read when the event is delivered), and
 * hands the result to every member. A thousand wall screens showing the same feed cost one execution per event.
 * Two organisations, or two roles, never share (the key holds both).
 *
 * Each member has its own bounded queue: a member that falls MAX_PENDING_EVENTS behind ends with SUBSCRIBER_TOO_SLOW
 * and the others go on. A member that joins a running group gets the events executed after it joined.
 */
export interface SharedSubscriptionHooks {
  /** A fresh context for one execution, from the subscription's own. */
  contextFor: (subscriptionContext: unknown) => unknown;
  /** Once per executed event (not per member). */
  onExecution?: () => void;
  /** A subscriber starts receiving (it gets every event executed from now on), and stops. */
  onJoin?: () => void;
  onLeave?: () => void;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Promise<Group | ExecutionResult>>();

  constructor(private readonly hooks: SharedSubscriptionHooks) {}

  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const key = keyOf(args);
    for (;;) {
      let opening = this.groups.get(key);
      if (!opening) {
        opening = Group.open(args, this.hooks, () => this.groups.delete(key));
        this.groups.set(key, opening);
        // A refused subscription (bad filter, missing role) makes no group; the next one tries anew.
        void opening.then(
          (g) => {
            if (!(g instanceof Group)) this.groups.delete(key);
          },
          () => this.groups.delete(key),
        );
      }
      const group = await opening;
      if (!(group instanceof Group)) return group;
      const member = group.join();
      // The group closed between our lookup and now (its last member left): open a new one.
      if (member) return member;
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

  private constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly hooks: SharedSubscriptionHooks,
    private readonly onClose: () => void,
  ) {}

  static async open(args: ExecutionArgs, hooks: SharedSubscriptionHooks, onClose: () => void): Promise<Group | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const group = new Group((source as AsyncIterable<unknown>)[Symbol.asyncIterator](), args, hooks, onClose);
    void group.pump();
    return group;
  }

  join(): AsyncIterableIterator<ExecutionResult> | undefined {
    if (this.closed) return undefined;
    const member = new Member(() => this.leave(member));
    this.members.add(member);
    this.hooks.onJoin?.();
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
    void this.source.return?.();
  }

  /** Reads the source until it ends or fails, executing each event once for every member present. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const next = await this.source.next();
        if (next.done || this.closed) break;
        const result = await execute({ ...this.args, rootValue: next.value, contextValue: this.hooks.contextFor(this.args.contextValue) });
        this.hooks.onExecution?.();
        for (const member of this.members) member.push(result);
      }
      for (const member of [...this.members]) member.end();
    } catch (err) {
      // The source ended with an error (SUBSCRIBER_TOO_SLOW, CHANGES_MISSED): every member ends with it.
      for (const member of [...this.members]) member.fail(err);
    } finally {
      this.close();
    }
  }
}

/** One subscriber of a group: its own queue of results, and the iterator graphql-ws reads. */
class Member {
  private readonly queue: ExecutionResult[] = [];
  private waiter: (() => void) | undefined;
  private failure: unknown;
  private done = false;
  readonly iterator: AsyncIterableIterator<ExecutionResult>;

  constructor(private readonly leave: () => void) {
    const member = this;
    this.iterator = {
      async next(): Promise<IteratorResult<ExecutionResult>> {
        for (;;) {
          if (member.queue.length > 0) return { value: member.queue.shift()!, done: false };
          if (member.failure !== undefined) {
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
    if (this.done || this.failure !== undefined) return;
    if (this.queue.length >= MAX_PENDING_EVENTS) return this.fail(subscriberTooSlow());
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
    this.failure = err;
    this.leave();
    this.wake();
  }

  private finish(): void {
    this.done = true;
    this.failure = undefined;
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
