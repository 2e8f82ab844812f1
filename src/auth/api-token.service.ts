import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { badInput } from '../graphql/errors.js';
import type { PageRequest } from '../graphql/relay/connection-args.js';
import { buildConnection, type Connection } from '../graphql/relay/connection.js';
import type { CursorValueType } from '../graphql/relay/cursor.js';
import type { AuthContext } from '../graphql/access.js';
import { isRole, ROLES, type Role } from '../graphql/roles.js';

/** `kg_` + 32 random bytes in base64url: recognisable in leaked-secret scans, 256 bits of entropy. */
const TOKEN_PATTERN = /^kg_[A-Za-z0-9_-]{43}$/;
/** Characters kept in clear so users can tell their tokens apart (`kg_` + 6 of 43 random characters). */
const PREFIX_LENGTH = 9;
/** last_used_at is written at most this often per token, so authentication stays a read. */
const LAST_USED_RESOLUTION = '60 seconds';
export const TOKEN_ORDER_TAG = 'createdAt';
/** The token list's sort key, created_at in microseconds since the epoch and the id, as cursors carry it. */
export const TOKEN_ORDER_TYPES: readonly CursorValueType[] = ['bigint', 'uuid'];

export interface ApiTokenRecord {
  id: string;
  organizationId: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export interface CreatedApiToken {
  token: ApiTokenRecord;
  /** The only time the secret exists outside the caller's hands: it is stored as a hash. */
  secret: string;
}

interface TokenRow {
  id: string;
  organization_id: string;
  name: string;
  role: string;
  token_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  /** created_at in whole microseconds since the epoch: the exact keyset value (a JS Date keeps only milliseconds). */
  created_us: string;
}

const TOKEN_COLUMNS =
  "id, organization_id, name, role, token_prefix, created_at, last_used_at, expires_at, revoked_at, (extract(epoch from created_at) * 1000000)::bigint::text AS created_us";
const CREATED_FROM_CURSOR = (param: number) => `(timestamptz 'epoch' + $${param}::bigint * interval '1 microsecond')`;

function toRecord(row: TokenRow): ApiTokenRecord & { createdUs: string } {
  if (!isRole(row.role)) throw new Error(`api_tokens row ${row.id} has an unknown role`);
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    role: row.role,
    prefix: row.token_prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdUs: row.created_us,
  };
}

function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function generateTokenSecret(): string {
  return `kg_${randomBytes(32).toString('base64url')}`;
}

function checkTokenName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw badInput('Token name must be 1 to 100 characters', { argumentName: 'name' });
  return trimmed;
}

export function checkOrganizationName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200) throw badInput('Organization name must be 1 to 200 characters');
  return trimmed;
}

/** API tokens and organisations. Every read and write names the organisation in SQL. */
export class ApiTokenService {
  private readonly db: Pick<EntityManager, 'query'>;

  /** With `manager`, statements run in that transaction. */
  constructor(dataSource: DataSource, manager?: EntityManager) {
    this.db = manager ?? dataSource;
  }

  /**
   * The caller behind a bearer token, or null when the token is unknown, revoked or expired. One
   * statement: the lookup by hash, plus a write of last_used_at when the stored value is over a minute old.
   */
  async authenticate(secret: string): Promise<AuthContext | null> {
    if (!TOKEN_PATTERN.test(secret)) return null;
    const rows: Array<{ id: string; organization_id: string; role: string }> = await this.db.query(
      `WITH valid AS (
         SELECT id, organization_id, role, last_used_at FROM api_tokens
          WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
       ), touched AS (
         UPDATE api_tokens t SET last_used_at = now() FROM valid
          WHERE t.id = valid.id AND (valid.last_used_at IS NULL OR valid.last_used_at < now() - interval '${LAST_USED_RESOLUTION}')
       )
       SELECT id, organization_id, role FROM valid`,
      [hashToken(secret)],
    );
    const row = rows[0];
    if (!row || !isRole(row.role)) return null;
    return { organizationId: row.organization_id, role: row.role, tokenId: row.id };
  }

  async create(input: { organizationId: string; name: string; role: Role; expiresAt?: Date | null }): Promise<CreatedApiToken> {
    const name = checkTokenName(input.name);
    if (!isRole(input.role)) throw badInput(`Role must be one of ${ROLES.join(', ')} (got "${String(input.role)}")`, { argumentName: 'role' });
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw badInput('expiresAt must be in the future', { argumentName: 'expiresAt' });
    }
    const secret = generateTokenSecret();
    const rows: TokenRow[] = await this.db.query(
      `INSERT INTO api_tokens (organization_id, name, token_hash, token_prefix, role, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${TOKEN_COLUMNS}`,
      [input.organizationId, name, hashToken(secret), secret.slice(0, PREFIX_LENGTH), input.role, input.expiresAt ?? null],
    );
    return { token: toRecord(rows[0]), secret };
  }

  /** Revokes a token of the organisation; revoking twice keeps the first time. Null when there is no such token. */
  async revoke(organizationId: string, id: string): Promise<ApiTokenRecord | null> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [TokenRow[], number] = await this.db.query(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND organization_id = $2 RETURNING ${TOKEN_COLUMNS}`,
      [id, organizationId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findById(organizationId: string, id: string): Promise<ApiTokenRecord | null> {
    const rows: TokenRow[] = await this.db.query(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND organization_id = $2`,
      [id, organizationId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** A page of the organisation's tokens, oldest first (keyset on created_at, id; `page` checked against TOKEN_ORDER_TYPES). */
  async list(organizationId: string, page: PageRequest): Promise<Connection<ApiTokenRecord>> {
    const forward = page.direction === 'forward';
    const params: unknown[] = [organizationId];
    const where = ['organization_id = $1'];
    if (page.after) {
      params.push(page.after[0], page.after[1]);
      where.push(`(created_at, id) > (${CREATED_FROM_CURSOR(params.length - 1)}, $${params.length}::uuid)`);
    }
    if (page.before) {
      params.push(page.before[0], page.before[1]);
      where.push(`(created_at, id) < (${CREATED_FROM_CURSOR(params.length - 1)}, $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    const direction = forward ? 'ASC' : 'DESC';
    const rows: TokenRow[] = await this.db.query(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE ${where.join(' AND ')}
        ORDER BY created_at ${direction}, id ${direction} LIMIT $${params.length}`,
      params,
    );
    return buildConnection(rows.map(toRecord), page, {
      cursorKey: (t) => [t.createdUs, t.id],
      totalCount: async () => {
        const [{ count }] = await this.db.query(`SELECT count(*)::int AS count FROM api_tokens WHERE organization_id = $1`, [organizationId]);
        return count as number;
      },
    });
  }

  async getOrganization(id: string): Promise<OrganizationRecord | null> {
    const rows: Array<{ id: string; name: string; created_at: Date }> = await this.db.query(
      `SELECT id, name, created_at FROM organizations WHERE id = $1`,
      [id],
    );
    return rows[0] ? { id: rows[0].id, name: rows[0].name, createdAt: rows[0].created_at } : null;
  }

  /** The organisation with this name, created when missing; `created` says which. */
  async ensureOrganization(name: string): Promise<OrganizationRecord & { created: boolean }> {
    const orgName = checkOrganizationName(name);
    const inserted: Array<{ id: string; name: string; created_at: Date }> = await this.db.query(
      `INSERT INTO organizations (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at`,
      [orgName],
    );
    if (inserted[0]) return { id: inserted[0].id, name: inserted[0].name, createdAt: inserted[0].created_at, created: true };
    const existing: Array<{ id: string; name: string; created_at: Date }> = await this.db.query(
      `SELECT id, name, created_at FROM organizations WHERE name = $1`,
      [orgName],
    );
    return { id: existing[0].id, name: existing[0].name, createdAt: existing[0].created_at, created: false };
  }
}

declare module '../graphql/context.js' {
  interface Services {
    apiTokens: ApiTokenService;
  }
}
