import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../common/config.js';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'serve' });

function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/**
 * Where to go, said once serve is ready: on a terminal a block of its own between the log lines, elsewhere one line
 * that a log collector keeps whole.
 */
function servingBanner(url: string, terminal: boolean): string {
  if (!terminal) return `kubegraph is serving at ${url}  (GraphQL: ${url}/graphql, health: ${url}/healthz, ${url}/readyz)\n`;
  return [
    '',
    `  kubegraph is serving at ${url}`,
    '',
    `    GraphQL, GraphiQL and graphql-ws   ${url}/graphql`,
    `    health                             ${url}/healthz  ${url}/readyz`,
    `    Prometheus metrics                 ${url}/metrics`,
    '',
    '  Ctrl-C stops it.',
    '',
    '',
  ].join('\n');
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the GraphQL API and keep every registered cluster in sync (embedded PostgreSQL when DATABASE_URL is unset)')
    .option('--demo', 'register a simulated demo cluster while no cluster is registered')
    .option('--port <port>', 'HTTP port (overrides PORT)', portOption)
    .action(async (opts: { demo?: boolean; port?: number }) => {
      const config = loadConfig();
      if (opts.port !== undefined) config.port = opts.port;
      // Loaded on use: serve pulls in every part of kubegraph, which other commands do not need.
      const { ServeAborted, startServe } = await import('./serve.js');

      const abort = new AbortController();
      let stopping = 'starting';
      let firstSignalAt = 0;
      const signalled = new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          if (abort.signal.aborted) {
            // Under `npm start` one Ctrl-C arrives twice: from the terminal and forwarded by npm.
            if (Date.now() - firstSignalAt < 1000) return;
            // A second Ctrl-C: the user does not want to wait. The embedded server still gets its
            // fast-shutdown request from the exit hook.
            process.stderr.write(`kubegraph: ${sig} again, exiting now\n`);
            process.exit(130);
          }
          firstSignalAt = Date.now();
          // A shutdown that cannot finish (a database that never answers, a stuck library) must not keep the process
          // alive until a SIGKILL: past the grace period it exits, naming the step it was in. Unref'd: a shutdown that
          // finishes sooner exits on its own.
          setTimeout(() => {
            log.error({ graceMs: config.shutdownGraceMs, stopping }, 'shutdown grace period over; exiting with the rest abandoned');
            process.stderr.write(`kubegraph: shutdown did not finish within ${config.shutdownGraceMs} ms (still stopping: ${stopping}); exiting\n`);
            process.exit(1);
          }, config.shutdownGraceMs).unref();
          abort.abort();
          resolve(sig);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });

      let running;
      try {
        running = await startServe({ config, demo: opts.demo ?? false, signal: abort.signal, onStopping: (what) => (stopping = what) });
      } catch (err) {
        if (err instanceof ServeAborted) {
          process.stdout.write('kubegraph: stopped\n');
          return;
        }
        throw err;
      }
      process.stdout.write(servingBanner(running.url, process.stdout.isTTY === true));

      const sig = await signalled;
      log.info({ signal: sig }, 'shutting down');
      await running.stop();
      process.stdout.write('kubegraph: stopped\n');
      // Everything we own is closed; a handle left by a library must not keep the process alive.
      setTimeout(() => process.exit(0), 2000).unref();
    });
}
