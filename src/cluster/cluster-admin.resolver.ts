import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import { requireRole } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import { badInput, notFound } from '../graphql/errors.js';
import { uuidFromGlobalId } from '../graphql/relay/index.js';
import { CLUSTER_COLUMNS, toCluster } from './cluster.rows.js';
import { Cluster } from './cluster.type.js';
import { ClusterRegistrationError } from './cluster-registration.error.js';
import type { ClusterRegistrationService } from './cluster-registration.service.js';

@InputType({ description: 'A cluster to register. Its API server is contacted before anything is stored.' })
export class RegisterClusterInput {
  @Field({ description: 'Kubeconfig (YAML). Credentials must be embedded (token, client certificate data); exec plugins and file references are accepted only through `kubegraph cluster add`. It is stored encrypted and can never be read back.' })
  kubeconfig: string;

  @Field(() => String, { nullable: true, description: "Context to use; the kubeconfig's current-context when omitted." })
  context?: string | null;

  @Field(() => String, { nullable: true, description: 'Name, unique within the organisation; the context name when omitted.' })
  name?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Labels (string keys in Kubernetes label syntax, string values).' })
  labels?: Record<string, unknown> | null;
}

@InputType({ description: 'Changes to a registered cluster; omitted fields stay as they are.' })
export class UpdateClusterInput {
  @Field(() => String, { nullable: true, description: 'New name, unique within the organisation.' })
  name?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'New labels, replacing the current ones.' })
  labels?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'New kubeconfig (YAML), checked against the cluster like at registration, then re-encrypted; the sync restarts with it.' })
  kubeconfig?: string | null;

  @Field(() => String, { nullable: true, description: 'Context of the new kubeconfig; its current-context when omitted.' })
  context?: string | null;
}

function registrationService(context: GraphQLContext): ClusterRegistrationService {
  const service = context.services.clusterRegistration;
  if (!service) throw new Error('cluster registration is not configured in this server');
  return service;
}

/** Registration failures are the caller's to fix: BAD_USER_INPUT with the cause in `extensions.reason`. */
function toGraphQLError(err: unknown): unknown {
  if (!(err instanceof ClusterRegistrationError)) return err;
  if (err.reason === 'NOT_FOUND') return notFound(err.message);
  return badInput(err.message, { reason: err.reason });
}

async function loadCluster(context: GraphQLContext, id: string, organizationId: string): Promise<Cluster> {
  const rows = await context.dataSource.query(`SELECT ${CLUSTER_COLUMNS} FROM k8s_clusters c WHERE c.id = $1 AND c.organization_id = $2`, [
    id,
    organizationId,
  ]);
  if (!rows[0]) throw notFound(`Cluster "${id}" was not found`);
  return toCluster(rows[0]);
}

@Resolver()
export class ClusterAdminResolver {
  @Mutation(() => Cluster, {
    description:
      'Registers a cluster (editor or admin). The kubeconfig is validated and the API server contacted first; a malformed kubeconfig, unknown context, credentials in the server URL (CREDENTIALS_IN_URL), an API server address the server may not contact (ADDRESS_NOT_ALLOWED), unreachable server, TLS failure, or rejected credentials each fail with BAD_USER_INPUT and a distinct `extensions.reason`, and nothing is stored.',
  })
  async registerCluster(
    @Arg('input', () => RegisterClusterInput, { description: 'The cluster and its kubeconfig.' }) input: RegisterClusterInput,
    @Ctx() context: GraphQLContext,
  ): Promise<Cluster> {
    const auth = requireRole(context, 'editor');
    try {
      const cluster = await registrationService(context).register({
        organizationId: auth.organizationId,
        kubeconfig: input.kubeconfig,
        context: input.context ?? undefined,
        name: input.name ?? undefined,
        labels: (input.labels ?? undefined) as Record<string, string> | undefined,
      });
      return await loadCluster(context, cluster.id, auth.organizationId);
    } catch (err) {
      throw toGraphQLError(err);
    }
  }

  @Mutation(() => Cluster, { description: 'Renames, relabels or reconnects a cluster (editor or admin).' })
  async updateCluster(
    @Arg('id', () => ID, { description: 'The Cluster id.' }) id: string,
    @Arg('input', () => UpdateClusterInput, { description: 'What to change.' }) input: UpdateClusterInput,
    @Ctx() context: GraphQLContext,
  ): Promise<Cluster> {
    const auth = requireRole(context, 'editor');
    const uuid = uuidFromGlobalId(id, 'Cluster');
    if (input.kubeconfig == null && input.context != null) throw badInput('context can only be given together with a new kubeconfig', { reason: 'INVALID_INPUT' });
    try {
      await registrationService(context).update(uuid, auth.organizationId, {
        name: input.name ?? undefined,
        labels: (input.labels ?? undefined) as Record<string, string> | undefined,
        connection: input.kubeconfig == null ? undefined : { kubeconfig: input.kubeconfig, context: input.context ?? undefined },
      });
      return await loadCluster(context, uuid, auth.organizationId);
    } catch (err) {
      throw toGraphQLError(err);
    }
  }

  @Mutation(() => Cluster, {
    description:
      'Stops syncing a cluster and deletes it with every row that belongs to it (admin). With keepData its inventory, metrics and costs stay readable and only its kubeconfig is erased. Returns the cluster as it was.',
  })
  async removeCluster(
    @Arg('id', () => ID, { description: 'The Cluster id.' }) id: string,
    @Arg('keepData', () => Boolean, { defaultValue: false, description: 'Keep the rows of the cluster (default: delete them).' }) keepData: boolean,
    @Ctx() context: GraphQLContext,
  ): Promise<Cluster> {
    const auth = requireRole(context, 'admin');
    const uuid = uuidFromGlobalId(id, 'Cluster');
    const before = await loadCluster(context, uuid, auth.organizationId);
    try {
      await registrationService(context).remove(uuid, auth.organizationId, { keepData });
    } catch (err) {
      throw toGraphQLError(err);
    }
    return keepData ? loadCluster(context, uuid, auth.organizationId) : before;
  }

  @Mutation(() => Cluster, { description: 'Asks the replica that syncs the cluster to list every resource again (editor or admin).' })
  async resyncCluster(@Arg('id', () => ID, { description: 'The Cluster id.' }) id: string, @Ctx() context: GraphQLContext): Promise<Cluster> {
    const auth = requireRole(context, 'editor');
    const uuid = uuidFromGlobalId(id, 'Cluster');
    try {
      await registrationService(context).requestResync(uuid, auth.organizationId);
    } catch (err) {
      throw toGraphQLError(err);
    }
    return loadCluster(context, uuid, auth.organizationId);
  }
}
