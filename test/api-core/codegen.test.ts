import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const codegenBin = path.join(root, 'node_modules/@graphql-codegen/cli/esm/bin.js');
const tscBin = path.join(root, 'node_modules/typescript/bin/tsc');
// Inside node_modules so that the scratch files resolve packages like the real ones, outside every tsconfig include.
const scratch = path.join(root, 'node_modules/.cache', `kubegraph-codegen-${randomBytes(4).toString('hex')}`);

// graphql-codegen prints nothing but a summary when NODE_ENV is "test", as vitest sets it.
const { NODE_ENV: _nodeEnv, ...childEnv } = process.env;

async function exec(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root, timeout: 180_000, env: { ...childEnv, CI: 'true' } });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Generates typed documents for the example operations against `schemaSdl` into a scratch dir and compiles the example client there. */
async function generateAndCompile(name: string, schemaSdl: string): Promise<{ codegen: { code: number; output: string }; tsc?: { code: number; output: string } }> {
  const dir = path.join(scratch, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'schema.graphql'), schemaSdl);
  const config = (await fs.readFile(path.join(root, 'codegen.yml'), 'utf8'))
    .replace(/^schema: .*$/m, `schema: ${JSON.stringify(path.join(dir, 'schema.graphql'))}`)
    .replace(/^documents: .*$/m, `documents: ${JSON.stringify(path.join(root, 'examples/operations/*.graphql'))}`)
    .replace(/^  examples\/gql\/:$/m, `  ${JSON.stringify(path.join(dir, 'gql') + '/')}:`);
  await fs.writeFile(path.join(dir, 'codegen.yml'), config);
  const codegen = await exec(codegenBin, ['--config', path.join(dir, 'codegen.yml')]);
  if (codegen.code !== 0) return { codegen };
  await fs.copyFile(path.join(root, 'examples/dashboard-client.ts'), path.join(dir, 'dashboard-client.ts'));
  await fs.writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: path.join(root, 'tsconfig.json'), compilerOptions: { noEmit: true, rootDir: dir }, include: ['./**/*.ts'], exclude: [] }),
  );
  return { codegen, tsc: await exec(tscBin, ['-p', path.join(dir, 'tsconfig.json')]) };
}

afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('client codegen', () => {
  it('generates typed documents for the example operations and the example client compiles', async () => {
    const codegen = await exec(codegenBin, ['--config', 'codegen.yml']);
    expect(codegen.code, codegen.output).toBe(0);
    for (const op of ['ClusterOverview', 'NamespaceDrillDown', 'PodTable', 'CostReport', 'LivePodFeed']) {
      expect(await fs.readFile(path.join(root, 'examples/gql/graphql.ts'), 'utf8')).toContain(`export const ${op}Document`);
    }
    const tsc = await exec(tscBin, ['-p', 'examples/tsconfig.json']);
    expect(tsc.code, tsc.output).toBe(0);
  });

  it('fails when the schema loses a field an example operation selects', async () => {
    const sdl = await fs.readFile(path.join(root, 'schema.graphql'), 'utf8');
    const broken = sdl.replace(/\n\s+"""[^"]*"""\n\s+readyNodeCount: Int!\n/g, '\n');
    expect(broken).not.toBe(sdl);
    const { codegen } = await generateAndCompile('lost-field', broken);
    expect(codegen.code).not.toBe(0);
    expect(codegen.output).toContain('Cannot query field "readyNodeCount" on type "ClusterHealth"');
  });

  it('fails to compile when a field the example client uses changes type', async () => {
    const sdl = await fs.readFile(path.join(root, 'schema.graphql'), 'utf8');
    const changed = sdl.replace(/(\ntype Pod implements Node \{[\s\S]*?\n  restartCount: )Int!/, '$1String!');
    expect(changed).not.toBe(sdl);
    const { codegen, tsc } = await generateAndCompile('changed-type', changed);
    expect(codegen.code, codegen.output).toBe(0);
    expect(tsc!.code).not.toBe(0);
    expect(tsc!.output).toMatch(/dashboard-client\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });
});
