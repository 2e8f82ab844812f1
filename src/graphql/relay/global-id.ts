import { isUuid } from '../../common/formats.js';
import { badInput } from '../errors.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;

export interface DecodedGlobalId {
  /** GraphQL type name, e.g. `Pod`. */
  type: string;
  /** The row's uuid. */
  id: string;
}

/** Opaque Relay id: base64url of `Type:uuid`. Clients must treat it as a string and never parse it. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

function describe(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}

/**
 * Decodes a global id, refusing anything this server did not issue with BAD_USER_INPUT. With
 * `expected`, an id of another type (a Pod id passed where a Cluster id is wanted) is refused too.
 */
export function fromGlobalId(globalId: string, expected?: string | readonly string[], argName = 'id'): DecodedGlobalId {
  const invalid = () => badInput(`Argument "${argName}" is not a valid id: "${describe(globalId)}"`, { argumentName: argName });
  if (typeof globalId !== 'string' || !BASE64URL.test(globalId)) throw invalid();
  const raw = Buffer.from(globalId, 'base64url');
  if (raw.toString('base64url') !== globalId) throw invalid();
  const text = raw.toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalid();
  const type = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!TYPE_NAME.test(type) || !isUuid(id)) throw invalid();
  if (expected !== undefined) {
    const allowed = typeof expected === 'string' ? [expected] : expected;
    if (!allowed.includes(type)) {
      throw badInput(`Argument "${argName}" is a ${type} id; expected a ${allowed.join(' or ')} id`, { argumentName: argName });
    }
  }
  return { type, id: id.toLowerCase() };
}

/** The uuid inside a global id of the given type (the common case in resolvers). */
export function uuidFromGlobalId(globalId: string, type: string | readonly string[], argName = 'id'): string {
  return fromGlobalId(globalId, type, argName).id;
}
