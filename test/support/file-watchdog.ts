import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Keeps a test file that never finishes from hanging the whole run in silence. vitest's test and hook timeouts are
 * timers inside the file's worker, so a worker that spins (a loop on microtasks never yields to its timers) or waits
 * on a promise nothing settles outlives them all. This reporter, in the main process, prints each file as it starts,
 * and when one has run longer than `fileTimeoutMs` it names every file still running with how long it has run,
 * kills the worker processes (and whatever they started), and ends the run with status 1 after the global teardown.
 */
export class FileWatchdog implements Reporter {
  private vitest: Vitest | undefined;
  private readonly running = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private tripped = false;

  constructor(private readonly fileTimeoutMs: number) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.timer = setInterval(() => this.check(), Math.min(5000, this.fileTimeoutMs / 4));
    this.timer.unref();
  }

  onTestModuleStart(testModule: TestModule): void {
    this.running.set(testModule.moduleId, Date.now());
    this.vitest?.logger.log(`  started ${this.relative(testModule.moduleId)}`);
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.running.delete(testModule.moduleId);
  }

  onTestRunEnd(): void {
    clearInterval(this.timer);
    if (this.tripped) process.exitCode = 1;
  }

  private relative(moduleId: string): string {
    return path.relative(this.vitest?.config.root ?? process.cwd(), moduleId);
  }

  private check(): void {
    const now = Date.now();
    const overdue = [...this.running].filter(([, startedAt]) => now - startedAt > this.fileTimeoutMs);
    if (overdue.length === 0 || this.tripped) return;
    this.tripped = true;
    const lines = [...this.running].map(([id, startedAt]) => `  ${this.relative(id)}: running for ${Math.round((now - startedAt) / 1000)} s`);
    process.stderr.write(
      `\ntest file watchdog: ${overdue.length === 1 ? 'a file has' : 'files have'} not finished within ${this.fileTimeoutMs / 1000} s; still running:\n${lines.join('\n')}\nkilling their workers; the run fails\n`,
    );
    for (const pid of workerPids(process.pid)) killTree(pid);
  }
}

/** Children of `pid`, from /proc (Linux, as the test machines are). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: the parent pid is the second field after its end.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** vitest's worker processes: children running its forks entry point (not the test run's own PostgreSQL). */
function workerPids(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('vitest/dist/workers/');
    } catch {
      return false;
    }
  });
}

/** SIGKILL a process and everything below it (servers and databases a test started), children first. */
function killTree(pid: number): void {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
