import type { SubscriberRecord } from './subscriptions-load.worker.js';
import type { PodWrite } from './subscription-support.js';

/** What the change log says each subscriber should have received, against what it did receive. */

export interface LoggedPodEvent {
  seq: number;
  namespace: string | null;
  uid: string;
  committedAt: number;
}

export interface Delivery {
  /** Deliveries expected (events in range that match the subscriber's filter), summed over subscribers. */
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Received in range but not matching the filter (another namespace): a filter fault. */
  unexpected: number;
  /** Received with a sequence number at or before the start (committed before the subscriber was counted in). */
  before: number;
  /** A sequence number smaller than one received before it. */
  outOfOrder: number;
  /** Subscribers that lost or duplicated anything, and the first few of their stories. */
  faultySubscribers: number;
  examples: string[];
}

/** Compares every subscriber's sequence numbers with the pod events of (from, to] that its filter matches. */
export function accountDeliveries(events: LoggedPodEvent[], from: number, to: number, subscribers: SubscriberRecord[]): Delivery {
  const inRange = events.filter((e) => e.seq > from && e.seq <= to);
  const byNamespace = new Map<string, number[]>();
  for (const e of inRange) {
    const list = byNamespace.get(e.namespace ?? '') ?? [];
    list.push(e.seq);
    byNamespace.set(e.namespace ?? '', list);
  }
  const all = inRange.map((e) => e.seq);
  const out: Delivery = { expected: 0, received: 0, lost: 0, duplicated: 0, unexpected: 0, before: 0, outOfOrder: 0, faultySubscribers: 0, examples: [] };
  for (const s of subscribers) {
    const expected = s.namespace === null ? all : (byNamespace.get(s.namespace) ?? []);
    const expectedSet = new Set(expected);
    const seen = new Map<number, number>();
    let last = -Infinity;
    let lost = 0;
    let duplicated = 0;
    for (const seq of s.seqs) {
      if (seq < last) out.outOfOrder++;
      last = Math.max(last, seq);
      if (seq <= from) {
        out.before++;
        continue;
      }
      if (seq > to) continue;
      out.received++;
      const times = (seen.get(seq) ?? 0) + 1;
      seen.set(seq, times);
      if (times > 1) duplicated++;
      else if (!expectedSet.has(seq)) out.unexpected++;
    }
    for (const seq of expected) if (!seen.has(seq)) lost++;
    out.expected += expected.length;
    out.lost += lost;
    out.duplicated += duplicated;
    if (lost > 0 || duplicated > 0 || s.errors.length > 0) {
      out.faultySubscribers++;
      if (out.examples.length < 3) {
        out.examples.push(`subscriber ${s.id} (${s.namespace ?? 'all namespaces'}): ${lost} lost, ${duplicated} duplicated of ${expected.length}${s.errors.length ? `; ${s.errors[0]}` : ''}`);
      }
    }
  }
  return out;
}

export interface ChangeToReceipt {
  /** Pod changes (a pod's writes in one tick) timed. */
  timed: number;
  /** Left out: the pod's previous change had no event committed yet when this one was made (either could be next). */
  ambiguous: number;
  /** Left out: no event of the pod committed before its next change was made (nothing stored changed, or coalesced), or none before the end. */
  superseded: number;
  /** Change → receipt, ms, one per delivery of the matched event to an unfiltered subscriber; ascending. */
  latencies: number[];
}

/**
 * Kubernetes change → receipt. The pod fields a subscriber gets carry no time of the change, and the change log keeps
 * no resourceVersion, so a change is matched by pod and time: a pod's writes in one tick are one change, made at
 * the simulator's `appliedAt`; its event is the pod's first one committed after it. The match is taken only when it
 * cannot be another change's: the pod's previous change already had an event committed before this one was made,
 * and the pod's next change was made after the matched event committed.
 */
export function changeToReceipt(writes: PodWrite[], events: LoggedPodEvent[], to: number, unfiltered: SubscriberRecord[]): ChangeToReceipt {
  const eventsByUid = new Map<string, LoggedPodEvent[]>();
  for (const e of events) {
    if (e.seq > to) continue;
    const list = eventsByUid.get(e.uid) ?? [];
    list.push(e);
    eventsByUid.set(e.uid, list);
  }
  const changesByUid = new Map<string, PodWrite[]>();
  for (const w of writes) {
    const list = changesByUid.get(w.uid) ?? [];
    if (list.length === 0 || list[list.length - 1]!.tick !== w.tick) list.push(w);
    changesByUid.set(w.uid, list);
  }
  const matched: Array<{ seq: number; appliedAt: number }> = [];
  let ambiguous = 0;
  let superseded = 0;
  for (const [uid, changes] of changesByUid) {
    const podEvents = eventsByUid.get(uid) ?? [];
    changes.forEach((c, i) => {
      const e = podEvents.find((x) => x.committedAt >= c.appliedAt);
      const next = changes[i + 1];
      const prev = changes[i - 1];
      if (!e || (next && next.appliedAt <= e.committedAt)) {
        superseded++;
        return;
      }
      if (prev && !podEvents.some((x) => x.committedAt >= prev.appliedAt && x.committedAt < c.appliedAt)) {
        ambiguous++;
        return;
      }
      matched.push({ seq: e.seq, appliedAt: c.appliedAt });
    });
  }
  const latencies: number[] = [];
  for (const s of unfiltered) {
    const receivedAt = new Map<number, number>();
    s.seqs.forEach((seq, i) => {
      if (!receivedAt.has(seq)) receivedAt.set(seq, s.receivedAt[i]!);
    });
    for (const m of matched) {
      const at = receivedAt.get(m.seq);
      if (at !== undefined) latencies.push(at - m.appliedAt);
    }
  }
  latencies.sort((a, b) => a - b);
  return { timed: matched.length, ambiguous, superseded, latencies };
}
