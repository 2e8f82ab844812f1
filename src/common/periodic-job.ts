import type { Logger } from './logger.js';

/**
 * Work that serve runs at start and then every `intervalMs`, one run at a time, as a component. A run that fails is
 * logged and tried again at the next; stop() waits for a run under way.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    this.running ??= this.work()
      .catch((err: unknown) => this.log.error({ err }, `${this.name} failed; will retry at the next run`))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
