import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { isUuid } from '../common/formats.js';
import { resolveCliOrganization, withCliDatabase } from './cli-database.js';
import { ApiServerAddressGuard } from './api-server-address.js';
import { ClusterRegistrationError } from './cluster-registration.error.js';
import { ClusterRegistrationService } from './cluster-registration.service.js';
import { readInClusterEnvironment, type InClusterEnvironment } from './in-cluster.js';
import { KubeconfigError } from './kube-client.js';
import { rotateKubeconfigKeys } from './kubeconfig-rotation.js';

/** Registration failures read as one line saying what failed; the cause's code is for scripts. */
function explain(err: unknown, action: string): never {
  if (err instanceof ClusterRegistrationError) throw new Error(`cannot ${action}: ${err.message} [${err.reason}]`);
  throw err;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function ago(date: Date | null): string {
  if (!date) return 'never';
  const s = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}


async function findClusterId(dataSource: DataSource, organizationId: string, nameOrId: string): Promise<string> {
  const isId = isUuid(nameOrId);
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT id FROM k8s_clusters WHERE organization_id = $1 AND (name = $2 OR ($3::boolean AND id = $4::uuid))`,
    [organizationId, nameOrId, isId, isId ? nameOrId : null],
  );
  if (!rows[0]) throw new Error(`there is no cluster named or with id "${nameOrId}" in this organisation`);
  return rows[0].id;
}

const write = (line: string) => process.stdout.write(`${line}\n`);

export interface AddClusterOptions {
  kubeconfig?: string;
  inCluster?: boolean;
  context?: string;
  name?: string;
  org?: string;
  label: Record<string, string>;
}

async function readKubeconfig(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Registers from a kubeconfig file (`--kubeconfig`) or with the pod's service account (`--in-cluster`). */
export async function addCluster(opts: AddClusterOptions): Promise<void> {
  const file = opts.kubeconfig === undefined ? undefined : path.resolve(opts.kubeconfig);
  const text = file === undefined ? undefined : await readKubeconfig(file);
  await withCliDatabase(async ({ config, dataSource, crypto, openEventBus }) => {
    const environment = opts.inCluster ? inClusterEnvironment(config.serviceAccountDir) : undefined;
    const org = await resolveCliOrganization(dataSource, opts.org, { create: true });
    const service = new ClusterRegistrationService({
      dataSource,
      crypto,
      eventBus: await openEventBus(),
      addressGuard: new ApiServerAddressGuard(config.apiServerAddresses),
      serviceAccountDir: config.serviceAccountDir,
    });
    const organization = org.id ? { organizationId: org.id } : { organizationName: org.name };
    const registered = await (environment
      ? service.registerInCluster({ ...organization, name: opts.name, labels: opts.label, environment })
      : service.register({
          ...organization,
          name: opts.name,
          kubeconfig: text!,
          context: opts.context,
          labels: opts.label,
          localCredentials: true,
          kubeconfigDir: path.dirname(file!),
        })
    ).catch((err: unknown) => explain(err, 'register the cluster'));
    if (!org.id) write(`created organisation "${org.name}"`);
    write(
      `registered cluster "${registered.name}" (id ${registered.id}) in organisation "${org.name}": ` +
        `${registered.provider}, Kubernetes ${registered.kubernetesVersion ?? 'unknown'}, ${registered.apiServerUrl}, context "${registered.contextName}"`,
    );
    write('kubegraph serve syncs it (a running server starts at once)');
  });
}

function inClusterEnvironment(serviceAccountDir: string): InClusterEnvironment {
  try {
    return readInClusterEnvironment(process.env, serviceAccountDir);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new Error(`cannot register the cluster: ${err.message}`);
    throw err;
  }
}

export async function listClusters(opts: { org?: string }): Promise<void> {
  await withCliDatabase(async ({ dataSource }) => {
    const orgId = opts.org === undefined ? null : (await resolveCliOrganization(dataSource, opts.org, { create: false })).id;
    const rows: Array<{
      org: string;
      name: string;
      provider: string;
      kubernetes_version: string | null;
      status: string;
      node_count: number;
      pod_count: number;
      last_sync_at: Date | null;
    }> = await dataSource.query(
      `SELECT o.name AS org, c.name, c.provider, c.kubernetes_version, c.status, c.node_count, c.pod_count, c.last_sync_at
         FROM k8s_clusters c JOIN organizations o ON o.id = c.organization_id
        WHERE $1::uuid IS NULL OR c.organization_id = $1
        ORDER BY o.name, c.name`,
      [orgId],
    );
    if (rows.length === 0) {
      write('no clusters registered');
      return;
    }
    const withOrg = new Set(rows.map((r) => r.org)).size > 1;
    const headers = [...(withOrg ? ['ORGANIZATION'] : []), 'NAME', 'PROVIDER', 'VERSION', 'STATUS', 'NODES', 'PODS', 'LAST SYNC'];
    write(
      table(
        headers,
        rows.map((r) => [
          ...(withOrg ? [r.org] : []),
          r.name,
          r.provider,
          r.kubernetes_version ?? '-',
          r.status,
          String(r.node_count),
          String(r.pod_count),
          ago(r.last_sync_at),
        ]),
      ),
    );
  });
}

export async function removeCluster(nameOrId: string, opts: { org?: string; keepData: boolean }): Promise<void> {
  await withCliDatabase(async ({ dataSource, crypto, openEventBus }) => {
    const org = await resolveCliOrganization(dataSource, opts.org, { create: false });
    const id = await findClusterId(dataSource, org.id, nameOrId);
    const service = new ClusterRegistrationService({ dataSource, crypto, eventBus: await openEventBus() });
    const removed = await service.remove(id, org.id, { keepData: opts.keepData }).catch((err: unknown) => explain(err, 'remove the cluster'));
    write(
      opts.keepData
        ? `removed cluster "${removed.name}" (id ${id}) from sync; its data is kept and its kubeconfig erased`
        : `removed cluster "${removed.name}" (id ${id}) and all its data`,
    );
  });
}

export async function rotateKeys(): Promise<void> {
  await withCliDatabase(async ({ dataSource, crypto }) => {
    const result = await rotateKubeconfigKeys(dataSource, crypto);
    write(`rotated ${result.rotated} kubeconfig(s) to key ${crypto.currentKeyId}; ${result.current} already used it`);
    if (result.failed.length > 0) {
      const which = result.failed.map((f) => `"${f.name}" (key ${f.keyId})`).join(', ');
      throw new Error(
        `${result.failed.length} kubeconfig(s) could not be decrypted and were left as they are: ${which}; add their key to BYOK_ENCRYPTION_KEYS_OLD and run again`,
      );
    }
  });
}
