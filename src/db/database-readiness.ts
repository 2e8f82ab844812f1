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

/** What the database said: the migrations it lacks, or why it could not be asked. */
type Probe = { pending: string[] } | { unavailable: string };

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

  private lastProbe: { at: number; answer: Promise<Probe> } | undefined;

  constructor(
    private readonly timeoutMs = 2000,
    private readonly cacheMs = 1000,
  ) {}

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
    const probed = await this.probe(ds);
    // The shutdown may have begun while the database was asked.
    if (this.shuttingDown) return { ready: false, reason: 'shutting down', checks: { server: 'stopping' } };
    if ('unavailable' in probed) return { ready: false, reason: probed.unavailable, checks: { database: 'unavailable' } };
    const { pending } = probed;
    if (pending.length > 0) {
      return { ready: false, reason: `${pending.length} migration(s) not applied: ${pending.join(', ')}`, checks: { database: 'ok', migrations: 'pending' } };
    }
    if (!this.isServing) return { ready: false, reason: `starting: ${this.step}`, checks: { database: 'ok', migrations: 'applied', server: this.step } };
    return { ready: true, checks: { database: 'ok', migrations: 'applied' } };
  }

  /**
   * The database's answer, shared by every probe within `cacheMs` of it: load balancers and kubelets probing often
   * (and anyone else: /readyz needs no token) cost one query per interval, not one each.
   */
  private probe(ds: DataSource): Promise<Probe> {
    const now = performance.now();
    if (this.lastProbe && now - this.lastProbe.at < this.cacheMs) return this.lastProbe.answer;
    const answer = this.ask(ds);
    this.lastProbe = { at: now, answer };
    return answer;
  }

  private async ask(ds: DataSource): Promise<Probe> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswer(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const pending = await Promise.race([pendingMigrations(ds), timeout]);
      if (this.unavailable) log.info('database answers again');
      this.unavailable = false;
      return { pending };
    } catch (err) {
      // /readyz answers anyone: the driver's message (an internal address, a database name) goes to the log only.
      if (!this.unavailable) log.warn({ err }, 'database unavailable; not ready');
      this.unavailable = true;
      return { unavailable: err instanceof NoAnswer ? `database unavailable: ${err.message}` : 'database unavailable (the server log says why)' };
    } finally {
      clearTimeout(timer);
    }
  }
}
