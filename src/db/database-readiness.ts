import type { DataSource } from 'typeorm';
import { logger } from '../common/logger.js';
import { pendingMigrations } from './migration-runner.js';

const log = logger.child({ component: 'readiness' });

/** The answer's own timeout: the only failure whose text is ours, and so the only one told to whoever asks. */
class NoAnswer extends Error {}

export interface ReadinessReport {
  ready: boolean;
  /** Why not, in a sentence; absent when ready. */
  reason?: string;
  checks: Record<string, string>;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/**
 * Ready once the server says it is serving (the API answers), and then while the database answers within
 * `timeoutMs` and has every migration this build knows. Before that it reports the startup step in progress.
 */
export class DatabaseReadiness implements Readiness {
  private dataSource: DataSource | undefined;
  private step = 'starting';
  private isServing = false;
  private shuttingDown = false;
  /** The database is failing readiness checks: logged once per outage, not at every probe. */
  private unavailable = false;

  constructor(private readonly timeoutMs = 2000) {}

  starting(step: string): void {
    this.step = step;
  }

  attach(dataSource: DataSource): void {
    this.dataSource = dataSource;
  }

  /** Every part has started and the API answers: ready from now on, as long as the database is. */
  serving(): void {
    this.isServing = true;
  }

  /** From now on not ready, so load balancers stop sending requests while components stop. */
  stopping(): void {
    this.shuttingDown = true;
  }

  async check(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { ready: false, reason: 'shutting down', checks: { server: 'stopping' } };
    const ds = this.dataSource;
    if (!ds || !ds.isInitialized) return { ready: false, reason: `starting: ${this.step}`, checks: { database: this.step } };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswer(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const pending = await Promise.race([pendingMigrations(ds), timeout]);
      if (this.unavailable) log.info('database answers again');
      this.unavailable = false;
      if (pending.length > 0) {
        return { ready: false, reason: `${pending.length} migration(s) not applied: ${pending.join(', ')}`, checks: { database: 'ok', migrations: 'pending' } };
      }
      if (!this.isServing) return { ready: false, reason: `starting: ${this.step}`, checks: { database: 'ok', migrations: 'applied', server: this.step } };
      return { ready: true, checks: { database: 'ok', migrations: 'applied' } };
    } catch (err) {
      // /readyz answers anyone: the driver's message (an internal address, a database name) goes to the log only.
      if (!this.unavailable) log.warn({ err }, 'database unavailable; not ready');
      this.unavailable = true;
      const reason = err instanceof NoAnswer ? `database unavailable: ${err.message}` : 'database unavailable (the server log says why)';
      return { ready: false, reason, checks: { database: 'unavailable' } };
    } finally {
      clearTimeout(timer);
    }
  }
}
