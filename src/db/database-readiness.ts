import type { DataSource } from 'typeorm';
import { pendingMigrations } from './migration-runner.js';

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
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const pending = await Promise.race([pendingMigrations(ds), timeout]);
      if (pending.length > 0) {
        return { ready: false, reason: `${pending.length} migration(s) not applied: ${pending.join(', ')}`, checks: { database: 'ok', migrations: 'pending' } };
      }
      if (!this.isServing) return { ready: false, reason: `starting: ${this.step}`, checks: { database: 'ok', migrations: 'applied', server: this.step } };
      return { ready: true, checks: { database: 'ok', migrations: 'applied' } };
    } catch (err) {
      return { ready: false, reason: `database unavailable: ${(err as Error).message}`, checks: { database: 'unavailable' } };
    } finally {
      clearTimeout(timer);
    }
  }
}
