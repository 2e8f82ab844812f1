import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';

/**
 * graphql-js's subscribe() executes every event of a subscription with the context the subscription started with.
 * Ours carries per-request DataLoaders, so nested fields (pod.node.ready, pod.cluster.status) would keep their first
 * value for the life of the subscription, and the loaders' caches would grow with every object seen. This subscribe
 * executes each event with a context of its own from `contextFor` (the same caller, fresh loaders); the source stream
 * is set up with the subscription's context, as graphql-js does.
 */
export async function subscribeWithContextPerEvent(
  args: ExecutionArgs,
  contextFor: (subscriptionContext: unknown) => unknown,
): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const events = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  // By hand rather than an async generator: return() must reach the source at once (a client unsubscribing), not wait
  // for the source's next event to arrive, as a generator suspended in `for await` would.
  const mapped: AsyncGenerator<ExecutionResult, void, void> = {
    async next() {
      const event = await events.next();
      if (event.done) return done;
      return { value: await execute({ ...args, rootValue: event.value, contextValue: contextFor(args.contextValue) }), done: false };
    },
    async return() {
      await events.return?.();
      return done;
    },
    async throw(err: unknown) {
      await events.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return mapped;
}
