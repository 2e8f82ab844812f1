import type { LabelMatcher } from '../label-selector.js';
import { parseLabelSelector, SelectorError } from '../label-selector.js';
import type { FieldMatcher } from '../field-selector.js';
import { parseFieldSelector } from '../field-selector.js';
import type { K8sObject } from '../k8s-object.js';
import type { ResourceType } from '../resource-types.js';
import type { IncludeObject } from './table.js';

export class BadRequestError extends Error {}

/** List/watch query parameters, validated the way the API server validates them. */
export interface ListOptions {
  watch: boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  includeObject: IncludeObject;
  labels?: LabelMatcher;
  fields?: FieldMatcher;
  /** Both selectors combined; undefined when neither was given. */
  match?: (o: K8sObject) => boolean;
}

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function parseListOptions(q: URLSearchParams, type: ResourceType): ListOptions {
  let labels: LabelMatcher | undefined;
  let fields: FieldMatcher | undefined;
  try {
    labels = parseLabelSelector(q.get('labelSelector'));
    fields = parseFieldSelector(q.get('fieldSelector'), type);
  } catch (err) {
    if (err instanceof SelectorError) throw new BadRequestError(err.message);
    throw err;
  }
  const limitRaw = q.get('limit');
  const limit = limitRaw ? Number(limitRaw) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new BadRequestError(`limit: Invalid value: "${limitRaw}": must be a non-negative integer`);
  const timeoutRaw = q.get('timeoutSeconds');
  const timeoutSeconds = timeoutRaw ? Number(timeoutRaw) : undefined;
  if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0)) throw new BadRequestError(`timeoutSeconds: Invalid value: "${timeoutRaw}": must be a non-negative integer`);
  const rvm = q.get('resourceVersionMatch') || undefined;
  if (rvm !== undefined && rvm !== 'Exact' && rvm !== 'NotOlderThan') throw new BadRequestError(`resourceVersionMatch: Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`);
  const rv = q.get('resourceVersion') ?? undefined;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw new BadRequestError(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  const include = (q.get('includeObject') || 'Metadata') as IncludeObject;
  if (!['None', 'Metadata', 'Object'].includes(include)) throw new BadRequestError(`includeObject: Unsupported value: "${include}"`);
  const sie = q.get('sendInitialEvents');
  const opts: ListOptions = {
    watch: bool(q.get('watch')),
    limit: limit || undefined,
    continueToken: q.get('continue') || undefined,
    resourceVersion: rv || undefined,
    resourceVersionMatch: rvm as ListOptions['resourceVersionMatch'],
    allowWatchBookmarks: bool(q.get('allowWatchBookmarks')),
    sendInitialEvents: sie === null ? undefined : bool(sie),
    // 0 means "no client timeout", as on the API server: the server's own default applies.
    timeoutSeconds: timeoutSeconds || undefined,
    includeObject: include,
    labels, fields,
  };
  if (labels || fields) opts.match = (o) => (!labels || labels(o.metadata.labels)) && (!fields || fields(o));
  validate(opts, q.get('resourceVersion'));
  return opts;
}

function validate(o: ListOptions, rvRaw: string | null): void {
  if (o.continueToken && rvRaw) throw new BadRequestError('specifying resource version is not allowed when using continue');
  if (o.resourceVersionMatch && !o.resourceVersion && !o.sendInitialEvents) throw new BadRequestError('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (o.resourceVersionMatch === 'Exact' && o.resourceVersion === '0') throw new BadRequestError('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  if (o.sendInitialEvents !== undefined) {
    if (!o.watch) throw new BadRequestError('sendInitialEvents is forbidden for list');
    if (o.resourceVersionMatch !== 'NotOlderThan') throw new BadRequestError('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    if (!o.allowWatchBookmarks) throw new BadRequestError('sendInitialEvents requires allowWatchBookmarks=true');
  } else if (o.watch && o.resourceVersionMatch) throw new BadRequestError('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
}
