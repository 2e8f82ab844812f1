/**
 * Which columns a connection needs: the fields a query selects on its nodes (through `nodes` or
 * `edges.node`, fragments included) mapped to columns, so wide rows (container statuses, labels) are
 * read and parsed only when asked for.
 */
import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { RowSource } from './row-source.js';

function collect(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, out: Map<string, SelectionSetNode[]>): void {
  if (!set) return;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const list = out.get(selection.name.value) ?? [];
      if (selection.selectionSet) list.push(selection.selectionSet);
      out.set(selection.name.value, list);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(selection.selectionSet, fragments, out);
    } else {
      collect(fragments[selection.name.value]?.selectionSet, fragments, out);
    }
  }
}

function fieldsIn(sets: readonly SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>): Map<string, SelectionSetNode[]> {
  const out = new Map<string, SelectionSetNode[]>();
  for (const set of sets) collect(set, fragments, out);
  return out;
}

interface ConnectionSelection {
  /** Field names selected on the connection's node type. */
  nodeFields: Set<string>;
  /** `edges` or `pageInfo` selected. */
  selectsCursors: boolean;
}

/**
 * Per field of a parsed document: graphql-js hands every parent in a list the same `fieldNodes` array
 * (and parsed documents are reused across requests), so the walk runs once, not once per parent.
 */
const selectionCache = new WeakMap<GraphQLResolveInfo['fieldNodes'], ConnectionSelection>();

function connectionSelection(info: GraphQLResolveInfo): ConnectionSelection {
  let selection = selectionCache.get(info.fieldNodes);
  if (!selection) {
    const connection = fieldsIn(info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : [])), info.fragments);
    const nodeSets = [...(connection.get('nodes') ?? []), ...[...fieldsIn(connection.get('edges') ?? [], info.fragments).get('node') ?? []]];
    selection = {
      nodeFields: new Set(fieldsIn(nodeSets, info.fragments).keys()),
      selectsCursors: connection.has('edges') || connection.has('pageInfo'),
    };
    selectionCache.set(info.fieldNodes, selection);
  }
  return selection;
}

/** Field names selected on the node type of the connection this resolver returns. */
export function connectionNodeFields(info: GraphQLResolveInfo): ReadonlySet<string> {
  return connectionSelection(info).nodeFields;
}

/**
 * Whether the connection this resolver returns may need cursors (`edges` or `pageInfo` selected). Without
 * them its rows need not carry their sort keys as text, which costs about as much as three columns.
 */
export function connectionSelectsCursors(info: GraphQLResolveInfo): boolean {
  return connectionSelection(info).selectsCursors;
}

/**
 * The columns to read for the selected fields, in a stable order; null (read every column) when a
 * selected field is not known to the source's projection, so an unmapped field can never read as absent.
 */
export function projectedColumns(source: RowSource<unknown>, fields: ReadonlySet<string>): string[] | null {
  const projection = source.projection;
  if (!projection) return null;
  const columns = new Set(projection.always);
  for (const field of fields) {
    if (field === '__typename') continue;
    const mapped = projection.fields[field];
    if (!mapped) return null;
    for (const column of mapped) columns.add(column);
  }
  return [...columns].sort();
}
