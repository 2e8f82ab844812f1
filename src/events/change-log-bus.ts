import pg from 'pg';
import type { DataSource } from 'typeorm';
import { logger } from '../common/logger.js';
import type { ChangeEvent } from './change-event.js';
import { appendChangeEvents, CHANGE_LOG_CHANNEL, CursorExpired, lastSeq, readChangeEvents, type SqlRun } from './change-log.js';
import { callEach, type ChangeListener, type EventBus } from './event-bus.js';

const log = logger.child({ component: 'event-bus' });

/** Events read from the log per statement. */
const READ_PAGE = 2000;

export interface ChangeLogBusOptions {
  /** Connection string for the dedicated LISTEN connection. */
  connectionString: string;
  /** Pool the log is read (and standalone events appended) through. */
  dataSource: DataSource;
  reconnectMs?: number;
  /** Give up a connection attempt after this long (default 5 s, as the pool), so that a server that does not answer is retried. */
  connectTimeoutMs?: number;
}

/**
 * The event bus of every replica: subscribers get what the change log holds, in sequence (commit) order, exactly
 * once. Writers append their events in the transaction of their rows; `NOTIFY` in that transaction only wakes the
 * readers, which then read the log from the last sequence they delivered. A listener connection that drops loses
 * nothing: once back, the reader goes on from where it was. Listening starts with the first subscriber, so a
 * process that only publishes (a CLI command) holds no extra connection.
 */
export class ChangeLogBus implements EventBus {
  private readonly listeners = new Set<ChangeListener>();
  private readonly missedHandlers = new Map<ChangeListener, () => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  /** The client of the attempt in `connecting`, ended by close() rather than waited for. */
  private connectingClient: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Last sequence number delivered to the listeners; undefined until listening starts. */
  private delivered: number | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private readonly run: SqlRun;

  constructor(private readonly o: ChangeLogBusOptions) {
    this.run = (sql, params) => o.dataSource.query(sql, params);
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** The sequence number up to which listeners have been given events (for tests and resume). */
  get position(): number | undefined {
    return this.delivered;
  }

  /** Starts listening (if it is not already) and resolves once events committed from now on will be delivered. */
  async listen(): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    if (!this.client) await this.connect();
  }

  subscribe(listener: ChangeListener, onMissed?: () => void): () => void {
    this.listeners.add(listener);
    if (onMissed) this.missedHandlers.set(listener, onMissed);
    if (!this.client && !this.connecting && !this.closed) {
      this.connect().catch((err: Error) => {
        log.warn({ err: err.message }, 'change log listener could not connect; retrying');
        this.scheduleReconnect();
      });
    }
    return () => {
      this.listeners.delete(listener);
      this.missedHandlers.delete(listener);
    };
  }

  /**
   * Events a writer appended in its transaction (they carry `seq`) are already in the log: they only wake the reader,
   * sooner than the notification would. Others are appended here in a transaction of their own.
   */
  async publish(events: readonly ChangeEvent[]): Promise<void> {
    const unlogged = events.filter((e) => e.seq === undefined);
    if (unlogged.length > 0) {
      await this.o.dataSource.transaction(async (manager) => {
        await appendChangeEvents((sql, params) => manager.query(sql, params), unlogged);
      });
    }
    if (events.length > 0) this.read();
  }

  async readAfter(seq: number, limit: number): Promise<ChangeEvent[]> {
    return readChangeEvents(this.run, seq, limit);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // An attempt in progress is abandoned: a server that does not answer would hold the shutdown until its timeout.
    void this.connectingClient?.end().catch(() => undefined);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.reading?.catch(() => undefined);
    this.listeners.clear();
    this.missedHandlers.clear();
  }

  /** Reads the log from the last delivered event to its end; one read at a time, another after it when asked meanwhile. */
  private read(): void {
    if (this.delivered === undefined || this.closed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        for (;;) {
          const events = await readChangeEvents(this.run, this.delivered!, READ_PAGE);
          if (events.length === 0 || this.closed) break;
          this.delivered = events[events.length - 1]!.seq!;
          callEach(this.listeners, events);
          if (events.length < READ_PAGE) break;
        }
      } while (this.readAgain && !this.closed);
    })()
      .catch((err: Error) => {
        if (this.closed) return;
        if (err instanceof CursorExpired) {
          // Pruning passed this reader (it was stopped for longer than the retention): what it missed is gone.
          log.error({ delivered: this.delivered, oldest: err.oldestSeq }, 'the change log was pruned past this reader; subscribers told that changes were missed');
          this.delivered = err.oldestSeq;
          callEach([...this.missedHandlers.values()], undefined);
        } else {
          // Still in the log: read again from the same place once the database answers.
          log.warn({ err: err.message }, 'reading the change log failed; retrying');
        }
        this.retryRead();
      })
      .finally(() => {
        this.reading = undefined;
      });
  }

  private retryRead(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.read();
    }, this.o.reconnectMs ?? 1000);
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
        if (msg.channel === CHANGE_LOG_CHANNEL) this.read();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANGE_LOG_CHANNEL}`);
        // Listening before reading the position: nothing committed in between is missed.
        this.delivered ??= await lastSeq(this.run);
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
    return this.connecting.then(() => this.read());
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    log.warn({ err: err.message }, 'change log listener connection lost; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // Back: the reader goes on from the last event it delivered, so nothing committed meanwhile is lost.
      this.connect().then(
        () => log.info('change log listener reconnected'),
        (err: Error) => {
          log.warn({ err: err.message }, 'change log listener reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, this.o.reconnectMs ?? 1000);
  }
}
