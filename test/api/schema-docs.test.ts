/** GraphiQL is the analysts' documentation: every inventory type, field, argument and enum value is described. */
import 'reflect-metadata';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLNamedType } from 'graphql';
import { expect, test } from 'vitest';
import { apiSchema } from './support/api-context.js';

const NODE_TYPES = ['Cluster', 'Namespace', 'ClusterNode', 'Deployment', 'Pod', 'HelmRelease', 'NamespaceCost', 'CostAllocation'];
const TYPES = [
  ...NODE_TYPES,
  ...NODE_TYPES.flatMap((t) => [`${t}Connection`, `${t}Edge`]),
  'ClusterHealth', 'ClusterHealthConnection', 'ClusterHealthEdge', 'ClusterPricing', 'ClusterPricingInput', 'ContainerSpec', 'ContainerStatus', 'MetricPoint',
  'ClusterFilter', 'NamespaceFilter', 'ClusterNodeFilter', 'DeploymentFilter', 'PodFilter', 'HelmReleaseFilter', 'NamespaceCostFilter', 'CostAllocationFilter',
  'ClusterOrder', 'NamespaceOrder', 'ClusterNodeOrder', 'DeploymentOrder', 'PodOrder', 'HelmReleaseOrder', 'NamespaceCostOrder', 'CostAllocationOrder',
  'ClusterOrderField', 'NamespaceOrderField', 'ClusterNodeOrderField', 'DeploymentOrderField', 'PodOrderField', 'HelmReleaseOrderField', 'NamespaceCostOrderField', 'CostOrderField',
  'ClusterProvider', 'ClusterStatus', 'PodPhase', 'DeploymentHealth', 'MetricLevel', 'OrderDirection', 'CostGranularity', 'CostDimension',
];
const QUERIES = ['clusters', 'cluster', 'clusterHealth', 'pods', 'deployments', 'namespaces', 'clusterNodes', 'helmReleases', 'metrics', 'namespaceCosts', 'costAllocations'];

function undocumented(type: GraphQLNamedType): string[] {
  const missing: string[] = [];
  if (!type.description?.trim()) missing.push(type.name);
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
      for (const arg of field.args) if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
    }
  } else if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
  } else if (isEnumType(type)) {
    for (const value of type.getValues()) if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}

test('every inventory type, field, argument and enum value has a description', async () => {
  const schema = await apiSchema();
  const missing = TYPES.flatMap((name) => {
    const type = schema.getType(name);
    if (!type) return [`${name} (not in the schema)`];
    return undocumented(type);
  });
  const queryType = schema.getQueryType()!;
  for (const name of QUERIES) {
    const field = queryType.getFields()[name];
    if (!field) missing.push(`Query.${name} (not in the schema)`);
    else {
      if (!field.description?.trim()) missing.push(`Query.${name}`);
      for (const arg of field.args) if (!arg.description?.trim()) missing.push(`Query.${name}(${arg.name})`);
    }
  }
  const pricing = schema.getMutationType()?.getFields().setClusterPricing;
  if (!pricing?.description) missing.push('Mutation.setClusterPricing');
  expect(missing).toEqual([]);
});

test('sizes carry their unit: cpu in cores or millicores, memory in bytes', async () => {
  const schema = await apiSchema();
  const unitless: string[] = [];
  for (const name of TYPES) {
    const type = schema.getType(name);
    if (!type || !(isObjectType(type) || isInputObjectType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (/Millicores$/.test(field.name) && !/millicores/i.test(field.description ?? '')) unitless.push(`${name}.${field.name}`);
      if (/Cores$/.test(field.name) && !/cores/i.test(field.description ?? '')) unitless.push(`${name}.${field.name}`);
      if (/Bytes(Max)?$/.test(field.name) && !/bytes/i.test(field.description ?? '')) unitless.push(`${name}.${field.name}`);
    }
  }
  expect(unitless).toEqual([]);
});

test('no output type has a kubeconfig or encryption field: nothing a client sends can make one appear', async () => {
  const schema = await apiSchema();
  const outputFields = Object.values(schema.getTypeMap()).flatMap((t) =>
    (isObjectType(t) || isInterfaceType(t)) && !t.name.startsWith('__') ? Object.keys(t.getFields()).map((f) => `${t.name}.${f}`) : [],
  );
  expect(outputFields.length).toBeGreaterThan(100);
  expect(outputFields.filter((f) => /kubeconfig|encrypt/i.test(f))).toEqual([]);
});
