import { isIP } from 'node:net';

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
  /** `json` or `pretty`; unset, readable lines on a terminal and JSON lines elsewhere (the logger reads it itself). */
  logFormat: 'json' | 'pretty' | undefined;
  /** How often metrics.k8s.io and the kubelet Summary API are polled. */
  metricsIntervalMs: number;
  /** Longest `serve` takes to stop after SIGTERM/SIGINT; past it, it exits with status 1, naming what had not stopped. */
  shutdownGraceMs: number;
  /** After SIGTERM/SIGINT, how long serve reports not ready while still serving, before it stops accepting connections. */
  shutdownDelayMs: number;
  /** Current kubeconfig encryption key (32 bytes), if configured. */
  encryptionKey: Buffer | undefined;
  /** Earlier keys, still accepted for decryption until `keys rotate` has run. */
  oldEncryptionKeys: Buffer[];
  /** How long change events stay in the change log (how far back a subscription can resume). */
  eventRetentionMs: number;
  /** Monthly partitions kept ready ahead of the current month. */
  partitionMonthsAhead: number;
  /** Months of data kept per partitioned table before its partitions are dropped. */
  retentionMonths: { resourceMetrics: number; pods: number };
  /** Days Kubernetes Events (k8s_events) are kept after their creation, unless still live. */
  k8sEventRetentionDays: number;
  /** Whether Helm releases are synced (read from Secrets, which the cluster's credentials must then allow listing). */
  helmReleases: boolean;
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
  /** Which addresses kubegraph may connect to as a cluster's API server. */
  apiServerAddresses: ApiServerAddressRule;
  /** Service account files (ca.crt, token, namespace) of an in-cluster registration; the token is re-read from here. */
  serviceAccountDir: string;
  /** `serve` registers the cluster it runs in under this name (once; replicas and restarts find it registered). */
  inClusterName: string | undefined;
}

/** An address block: `address/prefix` (a single address has the family's full prefix). */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** An API server address is refused when it is in `deny`, or when `allow` is set and it is in none of `allow`. */
export interface ApiServerAddressRule {
  deny: Cidr[];
  allow: Cidr[] | undefined;
}

/** Link-local ranges and the cloud metadata services reached through them or beside them (AWS IPv6, Alibaba). */
export const DEFAULT_API_SERVER_DENY = '169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32';
export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

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

function parseLogFormat(value: string | undefined): 'json' | 'pretty' | undefined {
  const format = value?.trim().toLowerCase();
  if (!format) return undefined;
  if (format === 'json' || format === 'pretty') return format;
  throw new ConfigError(`LOG_FORMAT must be json or pretty (got "${value}")`);
}

/**
 * In Kubernetes, endpoints stop routing to a terminating pod only after the kubelet, the endpoints controller and
 * every kube-proxy or load balancer have noticed: 5 s of still serving covers that. Elsewhere (a terminal's Ctrl-C)
 * nothing routes to serve, so it stops at once unless told otherwise.
 */
function shutdownDelay(env: Env): number {
  const value = env.KUBEGRAPH_SHUTDOWN_DELAY?.trim() || (env.KUBERNETES_SERVICE_HOST ? '5s' : '0');
  const ms = /^0+(\.0*)?(ms|s|m|h)?$/.test(value) ? 0 : parseDuration('KUBEGRAPH_SHUTDOWN_DELAY', value);
  const graceMs = parseDuration('KUBEGRAPH_SHUTDOWN_GRACE', env.KUBEGRAPH_SHUTDOWN_GRACE ?? '25s');
  if (ms >= graceMs) throw new ConfigError(`KUBEGRAPH_SHUTDOWN_DELAY (${value}) must be shorter than KUBEGRAPH_SHUTDOWN_GRACE (${graceMs} ms)`);
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

function parseSwitch(name: string, value: string | undefined, fallback: boolean): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ConfigError(`${name} must be true or false (got "${value}")`);
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

function parseCidrs(name: string, value: string): Cidr[] {
  return parseList(value, []).map((entry) => {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    const version = isIP(address);
    if (version === 0) throw new ConfigError(`${name} must list IP addresses or CIDR blocks such as 10.0.0.0/8 or fd00::/8 (got "${entry}")`);
    const bits = version === 4 ? 32 : 128;
    const prefixText = slash < 0 ? String(bits) : entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) {
      throw new ConfigError(`${name}: the prefix length of "${entry}" must be a whole number from 0 to ${bits}`);
    }
    return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
  });
}

/** `KUBEGRAPH_API_SERVER_DENY` (unset: the defaults; `none`: nothing) and `KUBEGRAPH_API_SERVER_ALLOW` (unset: everything not denied). */
export function loadApiServerAddressRule(env: Env = process.env): ApiServerAddressRule {
  const deny = env.KUBEGRAPH_API_SERVER_DENY?.trim() || DEFAULT_API_SERVER_DENY;
  const allow = env.KUBEGRAPH_API_SERVER_ALLOW?.trim();
  return {
    deny: deny === 'none' ? [] : parseCidrs('KUBEGRAPH_API_SERVER_DENY', deny),
    allow: allow ? parseCidrs('KUBEGRAPH_API_SERVER_ALLOW', allow) : undefined,
  };
}

export function loadServiceAccountDir(env: Env = process.env): string {
  return env.KUBEGRAPH_SERVICE_ACCOUNT_DIR?.trim() || DEFAULT_SERVICE_ACCOUNT_DIR;
}

function parseInClusterName(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const name = value.trim();
  if (name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ConfigError('KUBEGRAPH_IN_CLUSTER_NAME must be a cluster name of at most 200 characters without control characters');
  }
  return name;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    databaseUrl: parseDatabaseUrl(env.DATABASE_URL),
    host: env.HOST?.trim() || '0.0.0.0',
    port: parseInteger('PORT', env.PORT, 4000, 0, 65535),
    dataDir: env.KUBEGRAPH_DATA_DIR?.trim() || './.kubegraph',
    embeddedPostgresPort: parseInteger('KUBEGRAPH_EMBEDDED_PG_PORT', env.KUBEGRAPH_EMBEDDED_PG_PORT, 54329, 1, 65535),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    logFormat: parseLogFormat(env.LOG_FORMAT),
    metricsIntervalMs: parseDuration('KUBEGRAPH_METRICS_INTERVAL', env.KUBEGRAPH_METRICS_INTERVAL ?? '30s'),
    // Below Kubernetes' default terminationGracePeriodSeconds (30), so that serve, not the kubelet's SIGKILL, says what was left.
    shutdownGraceMs: parseDuration('KUBEGRAPH_SHUTDOWN_GRACE', env.KUBEGRAPH_SHUTDOWN_GRACE ?? '25s'),
    shutdownDelayMs: shutdownDelay(env),
    encryptionKey: env.BYOK_ENCRYPTION_KEY ? parseKey('BYOK_ENCRYPTION_KEY', env.BYOK_ENCRYPTION_KEY) : undefined,
    oldEncryptionKeys: parseList(env.BYOK_ENCRYPTION_KEYS_OLD, []).map((k, i) =>
      parseKey(`BYOK_ENCRYPTION_KEYS_OLD[${i}]`, k),
    ),
    eventRetentionMs: parseDuration('KUBEGRAPH_EVENT_RETENTION', env.KUBEGRAPH_EVENT_RETENTION ?? '24h'),
    partitionMonthsAhead: parseInteger('KUBEGRAPH_PARTITION_MONTHS_AHEAD', env.KUBEGRAPH_PARTITION_MONTHS_AHEAD, 3, 0, 60),
    retentionMonths: {
      resourceMetrics: parseInteger('KUBEGRAPH_RETENTION_METRICS_MONTHS', env.KUBEGRAPH_RETENTION_METRICS_MONTHS, 13, 1, 1200),
      pods: parseInteger('KUBEGRAPH_RETENTION_PODS_MONTHS', env.KUBEGRAPH_RETENTION_PODS_MONTHS, 25, 1, 1200),
    },
    k8sEventRetentionDays: parseInteger('KUBEGRAPH_RETENTION_EVENTS_DAYS', env.KUBEGRAPH_RETENTION_EVENTS_DAYS, 14, 1, 36_500),
    helmReleases: parseSwitch('KUBEGRAPH_HELM_RELEASES', env.KUBEGRAPH_HELM_RELEASES, true),
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
    apiServerAddresses: loadApiServerAddressRule(env),
    serviceAccountDir: loadServiceAccountDir(env),
    inClusterName: parseInClusterName(env.KUBEGRAPH_IN_CLUSTER_NAME),
  };
}
