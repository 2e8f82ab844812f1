/**
 * The nodes of a page of pods, loaded before the page is returned: a pod's `node` field then answers at
 * once, so graphql-js does not wait on a promise for every pod of a long list. Same loader, same
 * statements as loading each pod's node on its own.
 */
import type { GraphQLContext } from '../server/context.js';
import type { Pod } from './pod.type.js';

export function nodeKey(pod: Pod): string {
  return `${pod.clusterRowId}/${pod.nodeName}`;
}

async function loadScheduledNodes(pods: readonly Pod[], context: GraphQLContext): Promise<void> {
  const scheduled: Pod[] = [];
  for (const pod of pods) {
    if (pod.nodeName) scheduled.push(pod);
    else pod.scheduledNode = null;
  }
  if (scheduled.length === 0) return;
  // The loader caches by key (batched or not), so pods on the same node share one load.
  const nodes = await context.loaders.nodeByName.loadMany(scheduled.map(nodeKey));
  scheduled.forEach((pod, i) => {
    const node = nodes[i];
    // A failed load stays with the field: `node` asks the loader again and reports its error there.
    if (!(node instanceof Error)) pod.scheduledNode = node;
  });
}

/** What a pod list passes as its loader's `prepare`: the nodes' load when the query selects `node`, else nothing. */
export function scheduledNodes(fields: ReadonlySet<string>, context: GraphQLContext): ((pods: Pod[]) => Promise<void>) | undefined {
  return fields.has('node') ? (pods) => loadScheduledNodes(pods, context) : undefined;
}
