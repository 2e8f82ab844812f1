import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { logger } from '../common/logger.js';
import type { ChangeEvent, ChangeKind } from './change-event.js';
import { callEach, type ChangeListener, type EventBus } from './event-bus.js';

const log = logger.child({ component: 'event-bus' });

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; leave room for the envelope. */
const MAX_PAYLOAD_BYTES = 7900;

/** Where the state of an event too large to notify is read back from, by (cluster_id, uid). */
const TABLE_OF_KIND: Partial<Record<ChangeKind, string>> = {
  Namespace: 'k8s_namespaces',
  Node: 'k8s_nodes',
  Deployment: 'k8s_deployments',
  ReplicaSet: 'k8s_replica_sets',
  Pod: 'k8s_pods',
  HelmRelease: 'k8s_helm_releases',
  PersistentVolumeClaim: 'k8s_persistent_volume_claims',
};

interface WireEvent extends Omit<ChangeEvent, 'committedAt' | 'state'> {
  committedAt: string;
  /** Absent when the event was too large to notify; the receiver reads the row instead. */
  state?: Record<string, unknown>;
}

interface Envelope {
  /** The publishing bus, so that it does not deliver its own events twice. */
  o: string;
  e: WireEvent[];
}

export interface PgNotifyEventBusOptions {
  /** Connection string for the dedicated LISTEN connection. */
  connectionString: string;
  /** Pool used for NOTIFY and for reading back oversized states. */
  dataSource: DataSource;
  channel?: string;
  reconnectMs?: number;
  /** Give up a connection attempt after this long (default 5 s, as the pool), so that a server that does not answer is retried. */
  connectTimeoutMs?: number;
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * An EventBus shared by several replicas over PostgreSQL LISTEN/NOTIFY. Local subscribers get events at once; other
 * replicas get them through NOTIFY, which PostgreSQL delivers only after the publishing transaction (here, an
 * autocommit statement issued after the writer's COMMIT) commits. Events are packed several to a notification, under
 * the 8000-byte limit; one that does not fit alone travels without its state, which the receiver reads from its row.
 * LISTEN/NOTIFY is not durable: a replica whose listening connection is down misses what is sent meanwhile; it
 * reconnects by itself and then tells its subscribers (`onMissed`) that changes may be missing.
 */
export class PgNotifyEventBus implements EventBus {
  private readonly listeners = new Set<ChangeListener>();
  private readonly missedHandlers = new Map<ChangeListener, () => void>();
  private readonly origin = randomUUID();
  private readonly channel: string;
  private client: pg.Client | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  /** The client of the attempt in `connecting`, ended by close() rather than waited for. */
  private connectingClient: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly o: PgNotifyEventBusOptions) {
    this.channel = o.channel ?? 'kubegraph_changes';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.channel)) throw new Error(`event channel must be a lower-case identifier (got "${this.channel}")`);
  }

  /** Creates the bus and waits until it listens. */
  static async create(opts: PgNotifyEventBusOptions): Promise<PgNotifyEventBus> {
    const bus = new PgNotifyEventBus(opts);
    await bus.connect();
    return bus;
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  subscribe(listener: ChangeListener, onMissed?: () => void): () => void {
    this.listeners.add(listener);
    if (onMissed) this.missedHandlers.set(listener, onMissed);
    return () => {
      this.listeners.delete(listener);
      this.missedHandlers.delete(listener);
    };
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    callEach(this.listeners, events);
    const payloads = this.pack(events);
    await this.o.dataSource.query(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS t(p)`, [this.channel, payloads]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    // An attempt in progress is abandoned: a server that does not answer would hold the shutdown until its timeout.
    void this.connectingClient?.end().catch(() => undefined);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    this.listeners.clear();
    this.missedHandlers.clear();
  }

  /** Notification payloads: as many events per payload as fit, in order. */
  pack(events: readonly ChangeEvent[]): string[] {
    const payloads: string[] = [];
    const head = `{"o":${JSON.stringify(this.origin)},"e":[`;
    let current: string[] = [];
    let size = Buffer.byteLength(head) + 2;
    const flush = () => {
      if (current.length > 0) payloads.push(`${head}${current.join(',')}]}`);
      current = [];
      size = Buffer.byteLength(head) + 2;
    };
    for (const event of events) {
      let text = JSON.stringify(event);
      let bytes = Buffer.byteLength(text);
      if (bytes + Buffer.byteLength(head) + 2 > MAX_PAYLOAD_BYTES) {
        const { state: _state, ...rest } = event;
        text = JSON.stringify(rest);
        bytes = Buffer.byteLength(text);
      }
      if (size + bytes + 1 > MAX_PAYLOAD_BYTES) flush();
      current.push(text);
      size += bytes + 1;
    }
    flush();
    return payloads;
  }


  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.o.connectionString,
        application_name: 'kubegraph-events',
        connectionTimeoutMillis: this.o.connectTimeoutMs ?? 5000,
      });
      this.connectingClient = client;
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client, new Error('connection ended')));
      client.on('notification', (msg) => {
        if (msg.channel === this.channel && msg.payload) void this.receive(msg.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${this.channel}`);
        if (this.closed) throw new Error('event bus closed while connecting');
        this.client = client;
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
    })().finally(() => {
      this.connecting = undefined;
      this.connectingClient = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    log.warn({ err: err.message }, 'event listener connection lost; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        () => {
          // Whatever other replicas sent while it was down is gone: everyone subscribed meanwhile is told so.
          const told = [...this.missedHandlers.values()];
          log.info({ subscribers: told.length }, 'event listener reconnected; subscribers told that changes may have been missed');
          callEach(told, undefined);
        },
        (err: Error) => {
          log.warn({ err: err.message }, 'event listener reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, this.o.reconnectMs ?? 1000);
  }

  private async receive(payload: string): Promise<void> {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      log.warn('ignoring a notification that is not JSON');
      return;
    }
    if (envelope.o === this.origin || !Array.isArray(envelope.e)) return;
    try {
      const events = await Promise.all(envelope.e.map((e) => this.revive(e)));
      callEach(this.listeners, events);
    } catch (err) {
      log.error({ err }, 'received change events could not be completed');
    }
  }

  private async revive(e: WireEvent): Promise<ChangeEvent> {
    let state = e.state;
    const table = TABLE_OF_KIND[e.kind];
    if (!state && table) {
      const keyed = e.kind === 'HelmRelease' ? `namespace = $2 AND name = $3` : `uid = $2`;
      const params = e.kind === 'HelmRelease' ? [e.clusterId, e.namespace, e.name] : [e.clusterId, e.uid];
      const [row] = await this.o.dataSource.query(`SELECT * FROM ${table} WHERE cluster_id = $1 AND ${keyed} ORDER BY created_at DESC LIMIT 1`, params);
      state = row ? Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])) : {};
    }
    return { ...e, state: state ?? {}, committedAt: new Date(e.committedAt) };
  }
}
