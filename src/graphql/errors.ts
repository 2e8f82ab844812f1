import { randomUUID } from 'node:crypto';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import type { ValidationError } from 'class-validator';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'graphql' });

/** Codes a client can act on; everything else is reported as INTERNAL_SERVER_ERROR. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The database cannot be reached now: the same request may work later (HTTP 503 with Retry-After). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** Seconds a client is asked to wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 5;
const UNAVAILABLE_MESSAGE = 'Service unavailable: the database cannot be reached now; try again later';

/** The answer while the database is away, with the HTTP status Apollo reads from it (Retry-After is the caller's). */
export function serviceUnavailable(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503 } } });
}

export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } });
}

/** A name argument given as "" would match nothing, silently: refused instead. */
export function nonEmptyArgument(value: string | null | undefined, argumentName: string): string | null {
  if (value === null || value === undefined) return null;
  if (value === '') throw badInput(`${argumentName} is empty: give a name, or leave it out`, { argumentName });
  return value;
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/**
 * Codes of answers the client is meant to read as they are: requests it got wrong (graphql-js's and Apollo's codes),
 * and a subscription ended because it fell behind or its feed may have holes (it subscribes again and re-queries).
 */
const CLIENT_CODES = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.FORBIDDEN,
  ErrorCode.UNAUTHENTICATED,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'SUBSCRIBER_TOO_SLOW',
  'CHANGES_MISSED',
]);

/** Whether an answered code is the client's to act on (its request, or a feed it must resubscribe to), not a failure of ours. */
export function isClientCode(code: unknown): boolean {
  return typeof code === 'string' && CLIENT_CODES.has(code);
}

/**
 * graphql-js's refusal of a request (its syntax, validation, operation or variables) with the code Apollo gives it
 * over HTTP. graphql-ws passes these errors on without a code, which would make them unexpected errors.
 */
export function refusedRequest(error: GraphQLError, code: ApolloServerErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

function withoutInternals(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions) return formatted;
  const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions as Record<string, unknown>;
  return { ...formatted, extensions };
}

function constraintsOf(errors: readonly ValidationError[]): string[] {
  return errors.flatMap((v) => [...Object.values(v.constraints ?? {}), ...constraintsOf(v.children ?? [])]);
}

function validationMessage(err: ArgumentValidationError): string {
  const problems = constraintsOf(err.extensions.validationErrors);
  return problems.length > 0 ? `Invalid argument: ${problems.join('; ')}` : 'Invalid argument';
}

/**
 * What the log keeps of an unexpected error: type, message, stack, SQL text and SQLSTATE, but never the
 * statement's parameters or the driver's detail, which may carry user data or secrets.
 */
function loggable(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { query?: unknown; code?: unknown; driverError?: { code?: unknown } };
  return {
    type: e.name,
    message: e.message,
    stack: e.stack,
    ...(typeof e.query === 'string' ? { query: e.query } : {}),
    ...(e.code !== undefined || e.driverError?.code !== undefined ? { code: e.code ?? e.driverError?.code } : {}),
  };
}

function isClientStatus(http: unknown): boolean {
  const status = (http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** The code `formatError` answers an error with (whose code so far is `code`): the same decision, without logging. */
export function answeredCode(code: unknown, error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof ArgumentValidationError) return ErrorCode.BAD_USER_INPUT;
  if (code === ErrorCode.SERVICE_UNAVAILABLE || isDatabaseUnavailable(original)) return ErrorCode.SERVICE_UNAVAILABLE;
  if (typeof code === 'string' && CLIENT_CODES.has(code) && original instanceof GraphQLError) return code;
  // Apollo refuses some requests (a persisted-query hash that does not match its query) with a 4xx status and no code.
  if (original instanceof GraphQLError && original.extensions.code === undefined && isClientStatus(original.extensions.http)) return 'BAD_REQUEST';
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * The one place thrown errors become what a client sees. Errors a client caused keep their message and
 * code; anything else is logged with an id and answered as INTERNAL_SERVER_ERROR carrying only that id,
 * so SQL, stack traces and secrets never reach a response.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = answeredCode(formatted.extensions?.code, error);
  if (original instanceof ArgumentValidationError) {
    return { message: validationMessage(original), locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (code === ErrorCode.SERVICE_UNAVAILABLE) {
    // The driver's message names the database's address: the log keeps it, the client gets the plain reason.
    if (isDatabaseUnavailable(original)) log.warn({ error: loggable(original), path: formatted.path }, 'database unavailable while answering a GraphQL request');
    return { message: UNAVAILABLE_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return withoutInternals({ ...formatted, extensions: { ...formatted.extensions, code } });
  const errorId = randomUUID();
  log.error({ error: loggable(original), errorId, path: formatted.path }, 'unexpected error while answering a GraphQL request');
  return {
    message: `Internal server error (error id ${errorId})`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
  };
}
