import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { pino, stdSerializers, type Logger } from 'pino';

const REDACTED = '[REDACTED]';

/** A character of PEM key text as it stands in a log line, where a line break is the JSON escape `\n`. */
const BASE64_OR_ESCAPE = String.raw`(?:[A-Za-z0-9+/=\s]|\\[nrt])`;

/**
 * Secret material that error text can carry (a kubeconfig echoed by a parser, a request's headers), as it stands
 * in a finished log line. No pattern matches a `"` or a lone `\`, so the line stays valid JSON.
 */
const SECRET_TEXT: ReadonlyArray<readonly [RegExp, string]> = [
  // PEM private keys, up to their end line or, when cut short, to the end of the key text.
  [new RegExp(`-----BEGIN [A-Z ]*PRIVATE KEY-----(?:${BASE64_OR_ESCAPE}*?-----END [A-Z ]*PRIVATE KEY-----|${BASE64_OR_ESCAPE}*)`, 'g'), REDACTED],
  // The same in base64, as in a kubeconfig's client-key-data (base64 of "-----BEGIN" starts "LS0tLS1"), even cut short by a parser.
  [/LS0tLS1[A-Za-z0-9+/=]*/g, REDACTED],
  [/(Bearer|bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // kubegraph API tokens and JWTs (service-account tokens) wherever they stand.
  [/kg_[A-Za-z0-9_-]{43}/g, REDACTED],
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // The password of a connection URL (postgres://user:password@host).
  [/(\/\/[^\s/:@"\\]*:)[^\s/@"\\]+@/g, `$1${REDACTED}@`],
];

/**
 * Credentials given as `key: value` or `key=value`: a kubeconfig user's (YAML or JSON, quoted once or twice) and
 * query strings'. A key of the log line itself (`"token":` with a bare `"`) is redacted only when its value is a
 * string, so that numbers, null and objects keep the line valid JSON.
 */
const SECRET_FIELD = /(client-key-data|token|password|client-secret)(\\?["'])?(\s*[:=]\s*)(\\?["'])?[^\s"'\\,;&}\]]+/gi;

function redactField(match: string, key: string, keyQuote = '', separator: string, valueQuote = ''): string {
  if (keyQuote === '"' && valueQuote !== '"') return match;
  return `${key}${keyQuote}${separator}${valueQuote}${REDACTED}`;
}

/** A log line (or any text: an error message quoting another program's output) without the secrets it may carry. */
export function redactSecrets(text: string): string {
  let out = text.replace(SECRET_FIELD, redactField);
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Fields of an error that repeat the input it failed on rather than say what failed: a statement's parameters and
 * the driver's detail ("Failing row contains (…)"), a YAML parser's `mark` (the whole document: a kubeconfig, say).
 * User data and maybe secrets, so never logged. SQL text, SQLSTATE, table, constraint and the lines a parser
 * quotes in its message (redacted like any text) stay.
 */
const INPUT_FIELDS = ['parameters', 'detail', 'mark'] as const;

function dropInput(serialized: Record<string, unknown>, proto: object | null): void {
  for (const field of INPUT_FIELDS) delete serialized[field];
  for (const value of Object.values(serialized)) {
    // Errors nested in an error (a driver error, an aggregate's members) were serialized alike.
    for (const nested of Array.isArray(value) ? value : [value]) {
      if (nested !== null && typeof nested === 'object' && Object.getPrototypeOf(nested) === proto) dropInput(nested as Record<string, unknown>, proto);
    }
  }
}

/** pino's `err` serializer, without the input the error failed on. */
function errWithoutInput(err: unknown): unknown {
  const serialized: unknown = stdSerializers.err(err as Error);
  if (serialized === err) return err; // not an error: logged as it is
  const record = serialized as Record<string, unknown>;
  dropInput(record, Object.getPrototypeOf(record) as object | null);
  return record;
}

/**
 * Fields every line logged while handling one thing carries, however deep the code that logs it (a request's id:
 * a service it calls, the database error it meets). Set with `withLogContext`.
 */
const logContext = new AsyncLocalStorage<Record<string, string>>();

/** Runs `fn` with `fields` on every line it logs, and on every line of what it starts (timers, promises). */
export function withLogContext<T>(fields: Record<string, string>, fn: () => T): T {
  return logContext.run(fields, fn);
}

interface Destination {
  fd: number;
  stream: { write(line: string): unknown };
  /** Readable lines rather than JSON, decided when first written to. */
  pretty?: ((line: string) => string) | null;
}

const destinations: Record<'stdout' | 'stderr', Destination> = {
  stdout: { fd: 1, stream: pino.destination({ fd: 1 }) },
  stderr: { fd: 2, stream: pino.destination({ fd: 2 }) },
};
let destination = destinations.stdout;

/**
 * `LOG_FORMAT=json` or `pretty` decides; unset, a person at a terminal reads lines, while a pipe, a file or a
 * container's log collector gets JSON lines. Formatted synchronously, so no line is lost when the process exits.
 */
function prettifierFor(fd: number): ((line: string) => string) | null {
  const format = process.env.LOG_FORMAT?.trim().toLowerCase();
  const tty = (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  if (format === 'json' || (format !== 'pretty' && !tty)) return null;
  // Loaded only for a terminal: it adds tens of milliseconds to every start that would not use it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({ colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service', singleLine: true });
}

function write(line: string): void {
  const d = destination;
  if (d.pretty === undefined) d.pretty = prettifierFor(d.fd);
  d.stream.write(d.pretty ? d.pretty(line) : line);
}

/**
 * Log lines go to standard error from now on: for CLI commands whose standard output is their result (a token's
 * secret in `TOKEN=$(kubegraph token create …)`, a cluster table). The service itself logs to standard output.
 */
export function logToStderr(): void {
  destination = destinations.stderr;
}

// One root logger; domains take children (`logger.child({ component: 'sync' })`) so every line says where it came from.
// Secrets are taken out of every finished line, whichever key or message carried them, before it is made readable.
export const logger: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'kubegraph' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: errWithoutInput },
    mixin: () => logContext.getStore() ?? {},
    hooks: { streamWrite: redactSecrets },
  },
  { write },
);

export type { Logger };
