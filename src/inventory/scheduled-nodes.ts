/**
 * The nodes of a page of pods, loaded before the page is returned: a pod's `node` field then answers at
 * once, so graphql-js does not wait on a promise for every pod of a long list. Same loader, same
 * statements as loading each pod's node on its own.
 */
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Pod } from './pod.type.js';

export function nodeKey(pod: Pod): string {
  return `${pod.clusterRowId}/${pod.nodeName}`;
}

async function loadScheduledNodes(pods: readonly Pod[], context: GraphQLContext): Promise<void> {
  // Pods by node: a page of thousands of pods lands on a few hundred nodes, each loaded once.
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (!pod.nodeName) {
      pod.scheduledNode = null;
      continue;
    }
    const key = nodeKey(pod);
    const same = byNode.get(key);
    if (same) same.push(pod);
    else byNode.set(key, [pod]);
  }
  if (byNode.size === 0) return;
  const nodes = await context.loaders.nodeByName.loadMany([...byNode.keys()]);
  let i = 0;
  for (const scheduled of byNode.values()) {
    const node = nodes[i++];
    // A failed load stays with the field: `node` asks the loader again and reports its error there.
    if (!(node instanceof Error)) for (const pod of scheduled) pod.scheduledNode = node;
  }
}

/** What a pod list passes as its loader's `prepare`: the nodes' load when the query selects `node`, else nothing. */
export function scheduledNodes(fields: ReadonlySet<string>, context: GraphQLContext): ((pods: Pod[]) => Promise<void>) | undefined {
  return fields.has('node') ? (pods) => loadScheduledNodes(pods, context) : undefined;
}

/**
 * `Pod.node` answers a node loaded with the pod's page straight away, without type-graphql's per-call resolver
 * pipeline (a drill-down asks it for thousands of pods); other pods go to PodResolver.node, which loads it.
 */
export function bindScheduledNodeField(schema: GraphQLSchema): void {
  const field = (schema.getType('Pod') as GraphQLObjectType).getFields().node!;
  const load = field.resolve!;
  field.resolve = (pod: Pod, args, context, info) => (pod.scheduledNode !== undefined ? pod.scheduledNode : load(pod, args, context, info));
}
