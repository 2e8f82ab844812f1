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
  const byKey = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (!pod.nodeName) {
      pod.scheduledNode = null;
      continue;
    }
    const key = nodeKey(pod);
    const group = byKey.get(key);
    if (group) group.push(pod);
    else byKey.set(key, [pod]);
  }
  if (byKey.size === 0) return;
  const nodes = await context.loaders.nodeByName.loadMany([...byKey.keys()]);
  let i = 0;
  for (const group of byKey.values()) {
    const node = nodes[i++];
    // A failed load stays with the field: `node` asks the loader again and reports its error there.
    if (node instanceof Error) continue;
    for (const pod of group) pod.scheduledNode = node;
  }
}

/** What a pod list passes as its loader's `prepare`: the nodes' load when the query selects `node`, else nothing. */
export function scheduledNodes(fields: ReadonlySet<string>, context: GraphQLContext): ((pods: Pod[]) => Promise<void>) | undefined {
  return fields.has('node') ? (pods) => loadScheduledNodes(pods, context) : undefined;
}
