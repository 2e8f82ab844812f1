import { randomUUID } from 'node:crypto';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { ApiTokenService, checkOrganizationName } from '../auth/api-token.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { ChangeEvent } from '../events/change-event.js';
import { isUuid } from '../common/formats.js';
import { logger, type Logger } from '../common/logger.js';
import { clusterChangeEvent } from './cluster-change-event.js';
import { ClusterEntity } from '../db/entities/cluster.entity.js';
import { probeCluster, type ProbeResult } from './cluster-probe.js';
import { ClusterRegistrationError, type RegistrationFailure } from './cluster-registration.error.js';
import type { ApiServerAddressGuard } from './api-server-address.js';
import { IN_CLUSTER_CONTEXT, inClusterKubeconfig, type InClusterEnvironment } from './in-cluster.js';
import { KubeClient, KubeconfigError, type KubeClientOptions } from './kube-client.js';
import type { KubeconfigCrypto } from './kubeconfig-crypto.js';
import { prepareKubeconfig, type PreparedKubeconfig } from './kubeconfig-preparation.js';

/** NOTIFY channel: every replica's SyncCoordinator re-reads the cluster list when a payload arrives. */
export const CLUSTER_REGISTRY_CHANNEL = 'kubegraph_cluster_registry';

const MAX_KUBECONFIG_BYTES = 1024 * 1024;
const MAX_LABELS = 64;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export interface KubeconfigSource {
  /** YAML text. */
  kubeconfig: string;
  /** Defaults to the kubeconfig's current-context. */
  context?: string;
  /** Exec plugins and file references allowed (CLI); refused through the API. */
  localCredentials?: boolean;
  /** Where relative file references point from (the kubeconfig file's directory). */
  kubeconfigDir?: string;
}

export type RegisterClusterParams = KubeconfigSource & {
  /** Defaults to the context name. */
  name?: string;
  labels?: Record<string, string>;
} & Organization;

type Organization =
  | { organizationId: string; organizationName?: never }
  /** The organisation of this name, created in the registration's transaction when missing, so a failed registration leaves none behind. */
  | { organizationName: string; organizationId?: never };

/** The cluster this process runs in, reached with the pod's service account. */
export type RegisterInClusterParams = {
  /** Defaults to `in-cluster`. */
  name?: string;
  labels?: Record<string, string>;
  environment: InClusterEnvironment;
} & Organization;

export interface UpdateClusterParams {
  name?: string;
  labels?: Record<string, string>;
  /** A new kubeconfig, validated and contacted like at registration, then re-encrypted. */
  connection?: KubeconfigSource;
}

export interface ClusterRegistrationDeps {
  dataSource: DataSource;
  crypto: KubeconfigCrypto;
  /** Budget for each request of the pre-registration check (default 5 s). */
  probeTimeoutMs?: number;
  /** Where registrations, updates and removals are published once committed (live `clusterStatusChanged`). */
  eventBus?: EventBus;
  log?: Logger;
  /** Addresses a cluster's API server may have (default: the rule of this process's environment). */
  addressGuard?: ApiServerAddressGuard;
  /** Where the service account token of an in-cluster registration is read from (default: the environment's). */
  serviceAccountDir?: string;
}

type Change = 'registered' | 'updated' | 'removed' | 'resync';

/**
 * Registers, updates and removes clusters. A kubeconfig is validated, reduced to its one context and used to
 * contact the cluster before anything is written; it is stored only encrypted, bound to the cluster's id.
 * Every change is announced on {@link CLUSTER_REGISTRY_CHANNEL} in the same transaction, so each replica's
 * coordinator starts or stops syncing as soon as it commits.
 */
export class ClusterRegistrationService {
  private readonly dataSource: DataSource;
  private readonly crypto: KubeconfigCrypto;
  private readonly probeTimeoutMs: number;
  private readonly eventBus: EventBus | undefined;
  private readonly log: Logger;
  private readonly clientOptions: KubeClientOptions;

  constructor(deps: ClusterRegistrationDeps) {
    this.clientOptions = { addressGuard: deps.addressGuard, serviceAccountDir: deps.serviceAccountDir };
    this.dataSource = deps.dataSource;
    this.crypto = deps.crypto;
    this.probeTimeoutMs = deps.probeTimeoutMs ?? 5000;
    this.eventBus = deps.eventBus;
    this.log = deps.log ?? logger.child({ component: 'cluster-registration' });
  }

  async register(params: RegisterClusterParams): Promise<ClusterEntity> {
    const labels = validLabels(params.labels ?? {});
    return this.registerPrepared(params, prepare(params), labels);
  }

  /** Registers the cluster this process runs in: only its server and CA are stored; the token is read from its file at each use. */
  async registerInCluster(params: RegisterInClusterParams): Promise<ClusterEntity> {
    const labels = validLabels(params.labels ?? {});
    return this.registerPrepared(params, inClusterPrepared(params.environment), labels);
  }

  /**
   * `serve` with KUBEGRAPH_IN_CLUSTER_NAME: registers the cluster it runs in unless a cluster of that name exists. Replicas
   * starting at once may all get past the first look; the insert's ON CONFLICT lets exactly one of them write.
   */
  async ensureInCluster(params: { organizationName: string; name: string; environment: InClusterEnvironment }): Promise<{ cluster: ClusterEntity; created: boolean }> {
    const name = validName(params.name);
    const existingOrganizationId = await this.organizationIdByName(params.organizationName);
    const existing = existingOrganizationId ? await this.dataSource.getRepository(ClusterEntity).findOneBy({ organizationId: existingOrganizationId, name }) : null;
    if (existing) return { cluster: existing, created: false };
    const prepared = inClusterPrepared(params.environment);
    const probe = await this.probe(prepared);
    const id = randomUUID();
    const { cluster, created } = await this.dataSource.transaction(async (tx) => {
      const organizationId = (await new ApiTokenService(this.dataSource, tx).ensureOrganization(params.organizationName)).id;
      await tx
        .createQueryBuilder()
        .insert()
        .into(ClusterEntity)
        .values(this.newRow(id, organizationId, name, {}, { prepared, probe }))
        .orIgnore()
        .execute();
      const row = await tx.getRepository(ClusterEntity).findOneByOrFail({ organizationId, name });
      if (row.id === id) await announce(tx, 'registered', id);
      return { cluster: row, created: row.id === id };
    });
    if (created) {
      this.log.info({ clusterId: id, organizationId: cluster.organizationId, name, provider: cluster.provider, server: cluster.apiServerUrl }, 'registered the cluster this server runs in');
      await this.publish(clusterChangeEvent(cluster, 'ADDED', []));
    }
    return { cluster, created };
  }

  private async registerPrepared(params: Organization & { name?: string }, prepared: PreparedKubeconfig, labels: Record<string, string>): Promise<ClusterEntity> {
    const name = validName(params.name ?? prepared.contextName);
    // Everything that needs no network is checked before the cluster is contacted. In an organisation still to be
    // created no name is taken; a name taken meanwhile is caught by the insert, as a concurrent registration is.
    const knownOrganizationId = params.organizationId ?? (await this.organizationIdByName(params.organizationName!));
    if (knownOrganizationId) await this.assertNameFree(knownOrganizationId, name, undefined);
    const connection = { prepared, probe: await this.probe(prepared) };
    const id = randomUUID();
    const cluster = await this.dataSource.transaction(async (tx) => {
      const organizationId = params.organizationId ?? (await new ApiTokenService(this.dataSource, tx).ensureOrganization(params.organizationName!)).id;
      await this.writeOrExplain(tx, organizationId, name, () => tx.getRepository(ClusterEntity).insert(this.newRow(id, organizationId, name, labels, connection)));
      await announce(tx, 'registered', id);
      return tx.getRepository(ClusterEntity).findOneByOrFail({ id });
    });
    this.log.info(
      { clusterId: id, organizationId: cluster.organizationId, name, provider: cluster.provider, kubernetesVersion: cluster.kubernetesVersion, server: cluster.apiServerUrl },
      'registered cluster',
    );
    await this.publish(clusterChangeEvent(cluster, 'ADDED', []));
    return cluster;
  }

  async update(id: string, organizationId: string, params: UpdateClusterParams): Promise<ClusterEntity> {
    const existing = await this.find(id, organizationId);
    const name = params.name === undefined ? undefined : validName(params.name);
    const labels = params.labels === undefined ? undefined : validLabels(params.labels);
    const prepared = params.connection ? prepare(params.connection) : undefined;
    if (name !== undefined && name !== existing.name) await this.assertNameFree(organizationId, name, id);
    const connection = prepared ? { prepared, probe: await this.probe(prepared) } : undefined;
    const cluster = await this.dataSource.transaction(async (tx) => {
      const changes: QueryDeepPartialEntity<ClusterEntity> = {};
      if (name !== undefined) changes.name = name;
      if (labels !== undefined) changes.labels = labels;
      if (connection) {
        const encrypted = this.crypto.encrypt(connection.prepared.kubeconfig, id);
        Object.assign(changes, {
          kubeconfigEncrypted: encrypted.ciphertext,
          encryptionKeyId: encrypted.keyId,
          provider: connection.probe.provider,
          apiServerUrl: connection.prepared.server,
          kubernetesVersion: connection.probe.gitVersion,
          contextName: connection.prepared.contextName,
          apiLatencyMs: connection.probe.latencyMs,
          status: 'pending',
          statusMessage: null,
        } satisfies QueryDeepPartialEntity<ClusterEntity>);
      }
      if (Object.keys(changes).length > 0) {
        await this.writeOrExplain(tx, organizationId, name ?? existing.name, () =>
          tx.getRepository(ClusterEntity).update({ id, organizationId }, changes),
        );
      }
      // Only a new connection changes what the sync does; renames and labels need no restart.
      if (connection) await announce(tx, 'updated', id);
      return tx.getRepository(ClusterEntity).findOneByOrFail({ id });
    });
    this.log.info(
      { clusterId: id, organizationId, renamed: name !== undefined && name !== existing.name, labels: labels !== undefined, newKubeconfig: !!connection },
      'updated cluster',
    );
    const changedFields = [
      ...(name !== undefined && name !== existing.name ? ['name'] : []),
      ...(labels !== undefined ? ['labels'] : []),
      ...(connection ? ['provider', 'apiServerUrl', 'kubernetesVersion', 'contextName', 'status', 'statusMessage'] : []),
    ];
    if (changedFields.length > 0) await this.publish(clusterChangeEvent(cluster, 'MODIFIED', changedFields));
    return cluster;
  }

  /**
   * Stops the cluster's sync (the coordinators hear it on commit) and deletes it with all its rows, or, with
   * `keepData`, erases only its credentials: the inventory stays readable as of now, and a later update with a
   * kubeconfig resumes syncing.
   */
  async remove(id: string, organizationId: string, opts: { keepData: boolean }): Promise<ClusterEntity> {
    const existing = await this.find(id, organizationId);
    if (opts.keepData && !existing.encryptionKeyId) {
      throw new ClusterRegistrationError(
        `cluster "${existing.name}" is already removed from sync with its data kept; remove it without keeping the data to delete it`,
        'INVALID_INPUT',
      );
    }
    await this.dataSource.transaction(async (tx) => {
      if (opts.keepData) {
        await tx.getRepository(ClusterEntity).update(
          { id, organizationId },
          {
            kubeconfigEncrypted: null,
            encryptionKeyId: null,
            status: 'error',
            statusMessage: `removed from sync on ${new Date().toISOString()}; data kept as of then`,
          },
        );
      } else {
        await tx.getRepository(ClusterEntity).delete({ id, organizationId });
      }
      await announce(tx, 'removed', id);
    });
    this.log.info({ clusterId: id, organizationId, name: existing.name, keepData: opts.keepData }, 'removed cluster');
    if (!opts.keepData) {
      await this.publish(clusterChangeEvent(existing, 'DELETED', []));
      return existing;
    }
    const kept = await this.find(id, organizationId);
    await this.publish(clusterChangeEvent(kept, 'MODIFIED', ['status', 'statusMessage']));
    return kept;
  }

  /** Asks whichever replica syncs the cluster to list everything again. */
  async requestResync(id: string, organizationId: string): Promise<ClusterEntity> {
    const existing = await this.find(id, organizationId);
    if (!existing.encryptionKeyId) {
      throw new ClusterRegistrationError(`cluster "${existing.name}" has no kubeconfig (it was removed with its data kept)`, 'INVALID_INPUT');
    }
    await announce(this.dataSource.manager, 'resync', id);
    this.log.info({ clusterId: id, organizationId }, 'resync requested');
    return existing;
  }

  private newRow(
    id: string,
    organizationId: string,
    name: string,
    labels: Record<string, string>,
    connection: { prepared: PreparedKubeconfig; probe: ProbeResult },
  ): QueryDeepPartialEntity<ClusterEntity> {
    const encrypted = this.crypto.encrypt(connection.prepared.kubeconfig, id);
    return {
      id,
      organizationId,
      name,
      provider: connection.probe.provider,
      apiServerUrl: connection.prepared.server,
      kubernetesVersion: connection.probe.gitVersion,
      contextName: connection.prepared.contextName,
      kubeconfigEncrypted: encrypted.ciphertext,
      encryptionKeyId: encrypted.keyId,
      status: 'pending',
      apiLatencyMs: connection.probe.latencyMs,
      labels,
    };
  }

  /** After commit: the change is stored whatever happens here, so a bus failure is logged, not thrown. */
  private async publish(event: ChangeEvent): Promise<void> {
    try {
      await this.eventBus?.publish([event]);
    } catch (err) {
      this.log.warn({ clusterId: event.clusterId, type: event.type, err }, 'could not publish the cluster change');
    }
  }

  async find(id: string, organizationId: string): Promise<ClusterEntity> {
    const cluster = isUuid(id) ? await this.dataSource.getRepository(ClusterEntity).findOneBy({ id, organizationId }) : null;
    if (!cluster) throw new ClusterRegistrationError(`no cluster with id ${id} in this organisation`, 'NOT_FOUND');
    return cluster;
  }

  /** Contacts the cluster with the prepared kubeconfig; failures are logged (without credentials) and typed. */
  private async probe(prepared: PreparedKubeconfig): Promise<ProbeResult> {
    let client: KubeClient;
    try {
      client = KubeClient.fromKubeconfig(prepared.kubeconfig, this.clientOptions);
    } catch (err) {
      throw fromKubeconfigError(err);
    }
    try {
      return await probeCluster(client, this.probeTimeoutMs);
    } catch (err) {
      const failure = fromKubeconfigError(err);
      this.log.info({ server: prepared.server, context: prepared.contextName, reason: failure.reason, error: failure.message }, 'cluster check failed');
      throw failure;
    } finally {
      client.close();
    }
  }

  private async organizationIdByName(name: string): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM organizations WHERE name = $1`, [checkOrganizationName(name)]);
    return rows[0]?.id;
  }

  private async assertNameFree(organizationId: string, name: string, exceptId: string | undefined): Promise<void> {
    const other = await this.dataSource.getRepository(ClusterEntity).findOneBy({ organizationId, name });
    if (other && other.id !== exceptId) throw nameTaken(name, other);
  }

  /** Runs a write, turning the per-organisation unique-name violation (a concurrent registration) into NAME_TAKEN. */
  private async writeOrExplain(tx: EntityManager, organizationId: string, name: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      const driver = (err as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
      if (err instanceof QueryFailedError && driver?.code === '23505' && driver.constraint === 'uq_k8s_clusters_organization_name') {
        throw nameTaken(name, await tx.getRepository(ClusterEntity).findOneBy({ organizationId, name }));
      }
      throw err;
    }
  }
}

/** Checks and reduces a kubeconfig without contacting anything. */
function prepare(source: KubeconfigSource): PreparedKubeconfig {
  if (typeof source.kubeconfig !== 'string' || source.kubeconfig.trim().length === 0) {
    throw new ClusterRegistrationError('kubeconfig is empty', 'INVALID_KUBECONFIG');
  }
  if (Buffer.byteLength(source.kubeconfig) > MAX_KUBECONFIG_BYTES) {
    throw new ClusterRegistrationError(`kubeconfig is larger than ${MAX_KUBECONFIG_BYTES} bytes`, 'INVALID_KUBECONFIG');
  }
  try {
    return prepareKubeconfig(source.kubeconfig, {
      context: source.context,
      localCredentials: source.localCredentials ?? false,
      baseDir: source.kubeconfigDir,
    });
  } catch (err) {
    throw fromKubeconfigError(err);
  }
}

function inClusterPrepared(environment: InClusterEnvironment): PreparedKubeconfig {
  return { kubeconfig: inClusterKubeconfig(environment), contextName: IN_CLUSTER_CONTEXT, server: environment.server };
}

async function announce(manager: EntityManager, change: Change, clusterId: string): Promise<void> {
  // Inside a transaction NOTIFY is delivered on commit, and not at all on rollback.
  await manager.query('SELECT pg_notify($1, $2)', [CLUSTER_REGISTRY_CHANNEL, JSON.stringify({ change, clusterId })]);
}

function nameTaken(name: string, other: ClusterEntity | null): ClusterRegistrationError {
  const kept = other && !other.encryptionKeyId ? ' (it was removed from sync with its data kept; remove it for good or pick another name)' : '';
  return new ClusterRegistrationError(`a cluster named "${name}" already exists in this organisation${kept}`, 'NAME_TAKEN');
}

const KUBECONFIG_FAILURES: Record<KubeconfigError['problem'], RegistrationFailure> = {
  invalid: 'INVALID_KUBECONFIG',
  context: 'UNKNOWN_CONTEXT',
  credentials: 'CREDENTIALS_FAILED',
  policy: 'CREDENTIALS_NOT_ALLOWED',
  'url-credentials': 'CREDENTIALS_IN_URL',
};

function fromKubeconfigError(err: unknown): ClusterRegistrationError {
  if (err instanceof ClusterRegistrationError) return err;
  if (err instanceof KubeconfigError) {
    return new ClusterRegistrationError(err.message, KUBECONFIG_FAILURES[err.problem]);
  }
  throw err;
}

function validName(raw: string): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name.length === 0) throw new ClusterRegistrationError('cluster name must not be empty', 'INVALID_INPUT');
  if (name.length > 200) throw new ClusterRegistrationError('cluster name must be at most 200 characters', 'INVALID_INPUT');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ClusterRegistrationError('cluster name must not contain control characters', 'INVALID_INPUT');
  return name;
}

function validLabels(labels: Record<string, unknown>): Record<string, string> {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new ClusterRegistrationError('labels must be an object of string keys and string values', 'INVALID_INPUT');
  }
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) throw new ClusterRegistrationError(`at most ${MAX_LABELS} labels are allowed`, 'INVALID_INPUT');
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length > 316 || !LABEL_KEY.test(key)) {
      throw new ClusterRegistrationError(`label key "${key}" is not a valid Kubernetes label key (prefix/name, alphanumeric with - _ .)`, 'INVALID_INPUT');
    }
    if (typeof value !== 'string') throw new ClusterRegistrationError(`label "${key}" must have a string value`, 'INVALID_INPUT');
    if (value.length > 256) throw new ClusterRegistrationError(`label "${key}" value must be at most 256 characters`, 'INVALID_INPUT');
    out[key] = value;
  }
  return out;
}

declare module '../graphql/context.js' {
  interface Services {
    /** Set by serve's cluster component; absent where no kubeconfig key is configured (then cluster mutations fail). */
    clusterRegistration?: ClusterRegistrationService;
  }
}
