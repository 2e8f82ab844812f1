import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  isObjectType,
  isInterfaceType,
  type GraphQLField,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
} from 'graphql';
import { checkPageSize, DEFAULT_PAGE_SIZE } from '../graphql/relay/connection-args.js';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  maxPageSize: number;
}

export interface QueryCost {
  depth: number;
  complexity: number;
}

/** Fields of connection plumbing: they add no level of data, so depth does not count them. */
function isConnectionPlumbing(parentTypeName: string, fieldName: string): boolean {
  if (parentTypeName.endsWith('Connection')) return fieldName === 'edges' || fieldName === 'nodes' || fieldName === 'pageInfo';
  if (parentTypeName.endsWith('Edge')) return fieldName === 'node' || fieldName === 'cursor';
  return false;
}

function argumentValue(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.LIST:
      return node.values.map((v) => argumentValue(v, variables));
    case Kind.NULL:
      return null;
    default:
      return undefined;
  }
}

/**
 * How many objects one resolution of a field can yield: `first`/`last` (or the default page size) on
 * connections, the number of `ids` on batch lookups, 1 otherwise.
 */
function multiplier(field: FieldNode, def: GraphQLField<unknown, unknown>, variables: Record<string, unknown>, maxPageSize: number): number {
  const arg = (name: string) => argumentValue(field.arguments?.find((a) => a.name.value === name)?.value, variables);
  const hasArg = (name: string) => def.args.some((a) => a.name === name);
  if (hasArg('first') || hasArg('last')) {
    const first = arg('first');
    const last = arg('last');
    // A page size the field would refuse is refused now, with the field's own error: weighed as given, a huge
    // `first` would be reported as a query too complex instead of the argument that is wrong.
    if (typeof first === 'number') return Math.max(1, checkPageSize('first', first, maxPageSize));
    if (typeof last === 'number') return Math.max(1, checkPageSize('last', last, maxPageSize));
    return Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  }
  if (hasArg('ids')) {
    const ids = arg('ids');
    return Array.isArray(ids) ? Math.max(1, ids.length) : 1;
  }
  return 1;
}

/**
 * Depth and complexity of an operation, computed from the document before anything runs.
 * Complexity counts every field once per object that can hold it: a connection's subtree is multiplied
 * by its page size, so `pods(first: 100) { nodes { containers { name } } }` costs about 100 × 3.
 * Introspection counts towards complexity but not depth, so GraphiQL's schema query passes and a
 * flood of aliased introspection does not.
 */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, provided: Record<string, unknown>, maxPageSize: number): QueryCost {
  // Variables the request leaves out take their defaults from the operation (`$first: Int = 20`).
  const variables: Record<string, unknown> = {};
  for (const def of operation.variableDefinitions ?? []) {
    if (def.defaultValue) variables[def.variable.name.value] = valueFromASTUntyped(def.defaultValue);
  }
  Object.assign(variables, provided);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const rootType =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!rootType) return { depth: 0, complexity: 0 };

  const fieldsOf = (type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (type === rootType && name === '__schema') return SchemaMetaFieldDef;
    if (type === rootType && name === '__type') return TypeMetaFieldDef;
    if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
    return undefined;
  };

  const visit = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, visiting: Set<string>): QueryCost => {
    let depth = 0;
    let complexity = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const def = fieldsOf(parentType, name);
        if (!def) continue;
        const named = getNamedType(def.type);
        let child: QueryCost = { depth: 0, complexity: 0 };
        if (selection.selectionSet && isCompositeType(named)) child = visit(selection.selectionSet, named, visiting);
        // Introspection (`__schema`, `__Type.ofType` chains) is in memory: it costs, but adds no depth.
        const introspection = name.startsWith('__') || parentType.name.startsWith('__');
        const level = introspection || isConnectionPlumbing(parentType.name, name) ? 0 : 1;
        depth = Math.max(depth, level + child.depth);
        complexity += multiplier(selection, def, variables, maxPageSize) * (1 + child.complexity);
      } else {
        let set: SelectionSetNode | undefined;
        let typeName: string | undefined;
        let inside = visiting;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          set = selection.selectionSet;
          typeName = selection.typeCondition?.name.value;
        } else {
          const name = selection.name.value;
          // Fragment cycles are a validation error reported elsewhere; do not loop on them here.
          if (visiting.has(name)) continue;
          const fragment = fragments.get(name);
          set = fragment?.selectionSet;
          typeName = fragment?.typeCondition.name.value;
          inside = new Set([...visiting, name]);
        }
        if (!set) continue;
        const conditionType = typeName ? schema.getType(typeName) : parentType;
        const inner = visit(set, conditionType && isCompositeType(conditionType) ? conditionType : parentType, inside);
        depth = Math.max(depth, inner.depth);
        complexity += inner.complexity;
      }
    }
    return { depth, complexity };
  };
  return visit(operation.selectionSet, rootType, new Set());
}

/** Throws (code BAD_USER_INPUT, HTTP 400) when an operation is deeper or costlier than allowed. */
export function enforceQueryLimits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, limits: QueryLimits): QueryCost {
  let cost: QueryCost;
  try {
    cost = measureOperation(schema, document, operation, variables, limits.maxPageSize);
  } catch (err) {
    // An argument refused while measuring: refused before anything runs, like the limits below.
    if (err instanceof GraphQLError) throw new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 400 } } });
    throw err;
  }
  if (cost.depth > limits.maxDepth) {
    throw new GraphQLError(
      `Query is too deep: depth ${cost.depth} exceeds the limit of ${limits.maxDepth} (connection edges/node wrappers are not counted). Split it into several queries.`,
      { extensions: { code: 'BAD_USER_INPUT', depth: cost.depth, maxDepth: limits.maxDepth, http: { status: 400 } } },
    );
  }
  if (cost.complexity > limits.maxComplexity) {
    throw new GraphQLError(
      `Query is too complex: estimated cost ${cost.complexity} exceeds the limit of ${limits.maxComplexity}. Ask for smaller pages (first/last) or fewer nested connections.`,
      { extensions: { code: 'BAD_USER_INPUT', complexity: cost.complexity, maxComplexity: limits.maxComplexity, http: { status: 400 } } },
    );
  }
  return cost;
}

/** Root fields an operation selects (through fragments), used to let introspection through without a token. */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const names: string[] = [];
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) collect(f.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return names;
}
