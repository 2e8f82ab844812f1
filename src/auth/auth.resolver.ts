import { GraphQLDateTime } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { notFound } from '../graphql/errors.js';
import { ConnectionArgs, pageRequest } from '../graphql/relay/connection-args.js';
import type { Connection } from '../graphql/relay/connection.js';
import { uuidFromGlobalId } from '../graphql/relay/global-id.js';
import { registerNodeType } from '../graphql/relay/node.js';
import { hasRole, requireRole } from '../graphql/access.js';
import { TOKEN_ORDER_TAG, TOKEN_ORDER_TYPES } from './api-token.service.js';
import { ApiToken, ApiTokenConnection, CreateApiTokenPayload } from './api-token.type.js';
import { Organization } from './organization.type.js';
import { RoleEnum } from './role.type.js';
import type { Role } from '../graphql/roles.js';
import { Viewer } from './viewer.type.js';

registerNodeType({
  typeName: 'Organization',
  classRef: Organization,
  async load(uuid, context) {
    const auth = requireRole(context, 'viewer');
    if (uuid !== auth.organizationId) return null;
    const org = await context.services.apiTokens.getOrganization(uuid);
    return org && Organization.from(org);
  },
});

registerNodeType({
  typeName: 'ApiToken',
  classRef: ApiToken,
  async load(uuid, context) {
    const auth = requireRole(context, 'viewer');
    // Anyone may see the token they use; other tokens are for admins.
    if (uuid !== auth.tokenId && !hasRole(auth, 'admin')) return null;
    const token = await context.services.apiTokens.findById(auth.organizationId, uuid);
    return token && ApiToken.from(token);
  },
});

@Resolver(() => Viewer)
export class AuthResolver {
  @Query(() => Viewer, { description: 'The caller: its organisation, role and token.' })
  viewer(@Ctx() context: GraphQLContext): Viewer {
    return Viewer.from(requireRole(context, 'viewer'));
  }

  @FieldResolver(() => Organization, { description: 'The organisation the token belongs to; every answer is limited to it.' })
  async organization(@Root() viewer: Viewer, @Ctx() context: GraphQLContext): Promise<Organization> {
    const org = await context.services.apiTokens.getOrganization(viewer.auth.organizationId);
    if (!org) throw notFound('The organisation of this token no longer exists');
    return Organization.from(org);
  }

  @FieldResolver(() => ApiToken, { description: 'The token used for this request.' })
  async token(@Root() viewer: Viewer, @Ctx() context: GraphQLContext): Promise<ApiToken> {
    const token = await context.services.apiTokens.findById(viewer.auth.organizationId, viewer.auth.tokenId);
    if (!token) throw notFound('The token of this request no longer exists');
    return ApiToken.from(token);
  }

  @Query(() => ApiTokenConnection, { description: 'The organisation\'s API tokens, oldest first, including revoked and expired ones. Admin only.' })
  async apiTokens(@Args() args: ConnectionArgs, @Ctx() context: GraphQLContext): Promise<Connection<ApiToken>> {
    const auth = requireRole(context, 'admin');
    const page = pageRequest(args, { maxPageSize: context.config.graphql.maxPageSize, tag: TOKEN_ORDER_TAG, types: TOKEN_ORDER_TYPES });
    const records = await context.services.apiTokens.list(auth.organizationId, page);
    const now = new Date();
    return {
      ...records,
      edges: records.edges.map((e) => ({ cursor: e.cursor, node: ApiToken.from(e.node, now) })),
      nodes: records.nodes.map((n) => ApiToken.from(n, now)),
    };
  }

  @Mutation(() => CreateApiTokenPayload, { description: 'Creates an API token in the caller\'s organisation and returns its secret, once. Admin only.' })
  async createApiToken(
    @Arg('name', { description: 'A name to tell the token apart (1 to 100 characters).' }) name: string,
    @Arg('role', () => RoleEnum, { description: 'What the token may do.' }) role: Role,
    @Arg('expiresAt', () => GraphQLDateTime, { nullable: true, description: 'When the token stops working; omit for no expiry.' }) expiresAt: Date | null,
    @Ctx() context: GraphQLContext,
  ): Promise<CreateApiTokenPayload> {
    const auth = requireRole(context, 'admin');
    const created = await context.services.apiTokens.create({ organizationId: auth.organizationId, name, role, expiresAt });
    return Object.assign(new CreateApiTokenPayload(), { token: ApiToken.from(created.token), secret: created.secret });
  }

  @Mutation(() => ApiToken, { description: 'Revokes an API token of the caller\'s organisation; it stops working at once. Admin only.' })
  async revokeApiToken(@Arg('id', () => ID, { description: 'Global id of the token.' }) id: string, @Ctx() context: GraphQLContext): Promise<ApiToken> {
    const auth = requireRole(context, 'admin');
    const revoked = await context.services.apiTokens.revoke(auth.organizationId, uuidFromGlobalId(id, 'ApiToken'));
    if (!revoked) throw notFound(`No API token with id "${id}" in this organisation`);
    return ApiToken.from(revoked);
  }
}
