import type { K8sObject, OwnerReference } from './k8s-object.js';
import { timestamp } from './object-factory.js';
import type { ObjectStore } from './object-store.js';
import type { Random } from './random.js';

/** The object an Event is about (core `involvedObject`, events.k8s.io `regarding`). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  /** The part of the object, e.g. `spec.containers{web}`. */
  fieldPath?: string;
}

export interface EventSpec {
  regarding: ObjectRef;
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  /** Reporting component: `kubelet`, `default-scheduler`, `job-controller`, … */
  component: string;
  /** The node a kubelet reports from (`source.host`, `reportingInstance`). */
  host?: string;
  /**
   * Recorded through events.k8s.io, as the scheduler does: `eventTime`, `action` and a `series` on repeats,
   * instead of first/last timestamps and `count`.
   */
  action?: string;
}

export function refOf(obj: K8sObject, fieldPath?: string): ObjectRef {
  const m = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}), uid: m.uid, resourceVersion: m.resourceVersion, ...(fieldPath ? { fieldPath } : {}) };
}

export function ownerRefOf(owner: OwnerReference, namespace: string): ObjectRef {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, namespace, uid: owner.uid };
}

/** A MicroTime as the API serialises it (`2024-05-01T10:00:00.123456Z`). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The API server's default `--event-ttl`. */
export const DEFAULT_EVENT_TTL_MS = 3_600_000;

/**
 * Writes Events as a cluster's components do, through the client-side correlator: a repeat of the same event (same
 * object, reason, message, source) updates the existing Event (count and last timestamp, or its series) rather than
 * creating another. Each write renews the Event's time to live, as the etcd lease of a real Event is renewed.
 */
export class EventRecorder {
  /** Aggregation key → the Event and when it expires; in order of last write (the next to expire first). */
  private readonly live = new Map<string, { key: string; expires: number }>();
  private seq = 0;
  private sweptAt = -Infinity;
  /** The latest time recorded: an occurrence a TTL older than it would be gone already, so it is not recorded. */
  private latest = -Infinity;

  constructor(private readonly store: ObjectStore, private readonly rng: Random, readonly ttlMs = DEFAULT_EVENT_TTL_MS) {
    store.mirror('events', 'events.k8s.io/events', toEventsV1);
  }

  /** Records one occurrence at `now`; `times` > 1 records that many at once (the first `since`), for an initial state. */
  record(e: EventSpec, now: number, times = 1, since = now): void {
    this.latest = Math.max(this.latest, now);
    if (now + this.ttlMs <= this.latest) return;
    this.expire(now);
    const r = e.regarding;
    const aggregate = [r.uid, r.fieldPath ?? '', e.type ?? 'Normal', e.reason, e.message, e.component, e.host ?? ''].join('\u0000');
    const existing = this.live.get(aggregate);
    this.live.delete(aggregate);
    if (existing && this.store.get('events', existing.key)) {
      this.live.set(aggregate, { key: existing.key, expires: now + this.ttlMs });
      this.store.update('events', existing.key, (ev) => {
        ev.involvedObject = { ...ev.involvedObject, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) };
        if (ev.eventTime) ev.series = { count: (ev.series?.count ?? 1) + times, lastObservedTime: microTime(now) };
        else {
          ev.count += times;
          ev.lastTimestamp = timestamp(now);
        }
      });
      return;
    }
    const event = this.build(e, now, times, since);
    this.store.create('events', event);
    this.live.set(aggregate, { key: `${event.metadata.namespace}/${event.metadata.name}`, expires: now + this.ttlMs });
  }

  /** Deletes the Events whose time to live has passed (checked at most once per second of cluster time). */
  expire(now: number): void {
    if (now - this.sweptAt < 1000) return;
    this.sweptAt = now;
    for (const [aggregate, v] of this.live) {
      if (v.expires > now) continue;
      this.live.delete(aggregate);
      if (this.store.get('events', v.key)) this.store.delete('events', v.key);
    }
  }

  private build(e: EventSpec, now: number, times: number, since: number): K8sObject {
    const r = e.regarding;
    // Like client-go: the object's name and the time in nanoseconds, in hex.
    const name = `${r.name}.${(BigInt(Math.floor(since)) * 1_000_000n + BigInt(++this.seq % 1_000_000)).toString(16)}`;
    const metadata = { name, namespace: r.namespace ?? 'default', uid: this.rng.uuid(), resourceVersion: '', creationTimestamp: timestamp(since) };
    const base = { apiVersion: 'v1', kind: 'Event', metadata, involvedObject: r, reason: e.reason, message: e.message };
    if (e.action) {
      const series = times > 1 ? { series: { count: times, lastObservedTime: microTime(now) } } : {};
      return {
        ...base, source: {}, firstTimestamp: null, lastTimestamp: null, type: e.type ?? 'Normal', eventTime: microTime(since), ...series, action: e.action,
        reportingComponent: e.component, reportingInstance: `${e.component}${e.host ? `-${e.host}` : ''}`,
      };
    }
    return {
      ...base, source: { component: e.component, ...(e.host ? { host: e.host } : {}) }, firstTimestamp: timestamp(since), lastTimestamp: timestamp(now), count: times,
      type: e.type ?? 'Normal', eventTime: null, reportingComponent: e.component, reportingInstance: e.host ?? '',
    };
  }
}

/** The same Event as events.k8s.io/v1 serves it. */
export function toEventsV1(e: K8sObject): K8sObject {
  const v1: K8sObject = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: e.metadata, eventTime: e.eventTime,
    ...(e.series ? { series: e.series } : {}),
    reportingController: e.reportingComponent, reportingInstance: e.reportingInstance,
    ...(e.action ? { action: e.action } : {}),
    reason: e.reason, regarding: e.involvedObject, note: e.message, type: e.type,
    deprecatedSource: e.source, deprecatedFirstTimestamp: e.firstTimestamp, deprecatedLastTimestamp: e.lastTimestamp,
  };
  if (e.count) v1.deprecatedCount = e.count;
  return v1;
}
