import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionType, Node } from '../graphql/relay/index.js';

@ObjectType({
  simpleResolvers: true,
  implements: Node, description: 'A Helm 3 release (its latest revision), decoded from its release Secret.' })
export class HelmRelease {
  @Field(() => ID, { description: 'Opaque global id (Relay Node).' })
  id: string;

  /** Row id (k8s_helm_releases.id) and links; not part of the schema. */
  rowId: string;
  clusterRowId: string;
  namespaceRowId: string | null;

  @Field({ description: 'Release name.' })
  name: string;

  @Field({ description: 'Namespace the release is installed in.' })
  namespaceName: string;

  @Field(() => Int, { description: 'Latest revision number.' })
  revision: number;

  @Field({ description: 'Helm status: deployed, failed, pending-install, pending-upgrade, pending-rollback, superseded, uninstalling.' })
  status: string;

  @Field(() => String, { nullable: true, description: 'Chart name.' })
  chartName: string | null;

  @Field(() => String, { nullable: true, description: 'Chart version.' })
  chartVersion: string | null;

  @Field(() => String, { nullable: true, description: 'Version of the packaged application.' })
  appVersion: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Values supplied by the user at install/upgrade (chart defaults excluded).' })
  values: unknown;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the first revision was deployed.' })
  firstDeployedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the latest revision was deployed.' })
  lastDeployedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the row was last written by the sync.' })
  syncedAt: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the release was uninstalled; null while it is installed.' })
  deletedAt: Date | null;
}

export const HelmReleaseConnection = connectionType('HelmRelease', () => HelmRelease);
