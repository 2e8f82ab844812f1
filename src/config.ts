/** Environment → typed configuration, validated in one place. */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The parts of kubegraph that connect to PostgreSQL. Each has a pool of its own, sized by KUBEGRAPH_POOL_<PART>_MAX,
 * and connects as `kubegraph-<part>` (application_name), so that pg_stat_activity tells them apart and one part
 * cannot take every connection from the others.
 */
export const DATABASE_PARTS = ['api', 'sync', 'events', 'cost', 'maintenance', 'cli'] as const;
export type DatabasePart = (typeof DATABASE_PARTS)[number];

/** Connections per part at most: the API and the syncs (two transactions per cluster) do the most work. */
const DEFAULT_POOL_MAX: Record<DatabasePart, number> = { api: 10, sync: 10, events: 4, cost: 2, maintenance: 2, cli: 2 };

export interface Config {
  /** PostgreSQL connection string; unset means an embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  host: string;
  port: number;
  /** Embedded database files and the generated development encryption key. */
  dataDir: string;
  /** Port of the embedded PostgreSQL (used when `databaseUrl` is unset); not 5432, which a system server may hold. */
  embeddedPostgresPort: number;
  logLevel: string;
  /** How often metrics.k8s.io and the kubelet Summary API are polled. */
  metricsIntervalMs: number;
  /** Longest `serve` takes to stop after SIGTERM/SIGINT; past it, it exits with status 1, naming what had not stopped. */
  shutdownGraceMs: number;
  /** Current kubeconfig encryption key (32 bytes), if configured. */
  encryptionKey: Buffer | undefined;
  /** Earlier keys, still accepted for decryption until `keys rotate` has run. */
  oldEncryptionKeys: Buffer[];
  /** Monthly partitions kept ready ahead of the current month. */
  partitionMonthsAhead: number;
  /** Months of data kept per partitioned table before its partitions are dropped. */
  retentionMonths: { resourceMetrics: number; pods: number };
  /** Namespace label keys that name the owning team and cost centre. */
  teamLabelKeys: string[];
  costCenterLabelKeys: string[];
  /** Origins allowed by CORS; `*` allows any. */
  corsOrigins: string[];
  /** Largest pool of each part (KUBEGRAPH_POOL_<PART>_MAX). */
  poolMax: Record<DatabasePart, number>;
  graphql: {
    maxDepth: number;
    maxComplexity: number;
    maxPageSize: number;
    /** How often the tokens of open graphql-ws connections are checked again; a revoked one closes its connection. */
    subscriptionAuthRecheckSeconds: number;
  };
}

type Env = Record<string, string | undefined>;

export function parseDuration(name: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`${name} must be a duration such as 500ms, 30s, 5m or 1h (got "${value}")`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  const ms = Math.round(n * factor);
  if (ms <= 0) throw new ConfigError(`${name} must be greater than zero (got "${value}")`);
  return ms;
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${name} must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function parseKey(name: string, value: string): Buffer {
  const trimmed = value.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    // The value itself is a secret: name the variable, never echo it.
    throw new ConfigError(`${name} must be 32 bytes encoded as base64 (44 characters)`);
  }
  return key;
}

function parseList(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL (expected postgresql://user[:password]@host[:port]/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must use the postgresql:// scheme (got "${url.protocol}//")`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    databaseUrl: parseDatabaseUrl(env.DATABASE_URL),
    host: env.HOST?.trim() || '0.0.0.0',
    port: parseInteger('PORT', env.PORT, 4000, 0, 65535),
    dataDir: env.KUBEGRAPH_DATA_DIR?.trim() || './.kubegraph',
    embeddedPostgresPort: parseInteger('KUBEGRAPH_EMBEDDED_PG_PORT', env.KUBEGRAPH_EMBEDDED_PG_PORT, 54329, 1, 65535),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    metricsIntervalMs: parseDuration('KUBEGRAPH_METRICS_INTERVAL', env.KUBEGRAPH_METRICS_INTERVAL ?? '30s'),
    // Below Kubernetes' default terminationGracePeriodSeconds (30), so that serve, not the kubelet's SIGKILL, says what was left.
    shutdownGraceMs: parseDuration('KUBEGRAPH_SHUTDOWN_GRACE', env.KUBEGRAPH_SHUTDOWN_GRACE ?? '25s'),
    encryptionKey: env.BYOK_ENCRYPTION_KEY ? parseKey('BYOK_ENCRYPTION_KEY', env.BYOK_ENCRYPTION_KEY) : undefined,
    oldEncryptionKeys: parseList(env.BYOK_ENCRYPTION_KEYS_OLD, []).map((k, i) =>
      parseKey(`BYOK_ENCRYPTION_KEYS_OLD[${i}]`, k),
    ),
    partitionMonthsAhead: parseInteger('KUBEGRAPH_PARTITION_MONTHS_AHEAD', env.KUBEGRAPH_PARTITION_MONTHS_AHEAD, 3, 0, 60),
    retentionMonths: {
      resourceMetrics: parseInteger('KUBEGRAPH_RETENTION_METRICS_MONTHS', env.KUBEGRAPH_RETENTION_METRICS_MONTHS, 13, 1, 1200),
      pods: parseInteger('KUBEGRAPH_RETENTION_PODS_MONTHS', env.KUBEGRAPH_RETENTION_PODS_MONTHS, 25, 1, 1200),
    },
    teamLabelKeys: parseList(env.KUBEGRAPH_TEAM_LABELS, ['team']),
    costCenterLabelKeys: parseList(env.KUBEGRAPH_COST_CENTER_LABELS, ['cost-center']),
    corsOrigins: parseList(env.KUBEGRAPH_CORS_ORIGINS, ['*']),
    poolMax: Object.fromEntries(
      DATABASE_PARTS.map((part) => {
        const name = `KUBEGRAPH_POOL_${part.toUpperCase()}_MAX`;
        return [part, parseInteger(name, env[name], DEFAULT_POOL_MAX[part], 1, 1000)];
      }),
    ) as Record<DatabasePart, number>,
    graphql: {
      maxDepth: parseInteger('KUBEGRAPH_MAX_QUERY_DEPTH', env.KUBEGRAPH_MAX_QUERY_DEPTH, 12, 2, 100),
      maxComplexity: parseInteger('KUBEGRAPH_MAX_QUERY_COMPLEXITY', env.KUBEGRAPH_MAX_QUERY_COMPLEXITY, 50_000, 10, 10_000_000),
      maxPageSize: parseInteger('KUBEGRAPH_MAX_PAGE_SIZE', env.KUBEGRAPH_MAX_PAGE_SIZE, 500, 1, 10_000),
      subscriptionAuthRecheckSeconds: parseInteger(
        'KUBEGRAPH_SUBSCRIPTION_AUTH_RECHECK_SECONDS',
        env.KUBEGRAPH_SUBSCRIPTION_AUTH_RECHECK_SECONDS,
        30,
        1,
        3600,
      ),
    },
  };
}
