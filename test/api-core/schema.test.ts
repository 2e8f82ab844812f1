import 'reflect-metadata';
import fs from 'node:fs/promises';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildKubegraphSchema } from '../../src/server/schema.js';
import { printKubegraphSchema } from '../../src/server/schema-sdl.js';

function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (what: string, description: string | null | undefined) => {
    if (!description || description.trim() === '') missing.push(what);
  };
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    // Root types are named by the spec; their fields carry the documentation.
    if (!roots.has(type as never)) need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run schema` after changing the API)', async () => {
    const committed = await fs.readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    const generated = await printKubegraphSchema();
    expect(generated === committed, 'schema.graphql is out of date: run `npm run schema` and commit it').toBe(true);
  });

  it('documents every type, field, argument and enum value (GraphiQL is the documentation)', async () => {
    expect(undocumented(await buildKubegraphSchema())).toEqual([]);
  });

  it('has no field that could reveal a kubeconfig or a token secret', async () => {
    const schema = await buildKubegraphSchema();
    const suspicious: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.keys(type.getFields())) {
        if (/kubeconfig|encrypt|hash|password|privatekey/i.test(field)) suspicious.push(`${type.name}.${field}`);
        if (/secret/i.test(field) && `${type.name}.${field}` !== 'CreateApiTokenPayload.secret') suspicious.push(`${type.name}.${field}`);
      }
    }
    expect(suspicious).toEqual([]);
  });
});
