import type { K8sObject } from '../k8s-object.js';
import { cpuMillis, parseQuantity } from '../quantity.js';
import { hashUnit } from '../random.js';

export interface ContainerUsage {
  name: string;
  /** nanocores */
  cpu: number;
  /** working-set bytes */
  memory: number;
  startedAt: string;
}

export interface PodUsage {
  containers: ContainerUsage[];
  cpu: number;
  memory: number;
  rxBytes: number;
  txBytes: number;
  ephemeralBytes: number;
}

/** Scrape resolution: values change every 15 s, as metrics-server's do. */
export const SCRAPE_MS = 15_000;

/**
 * Resource usage as a pure function of (object uid, time): a per-object base level, a slow
 * sine wave and step noise per scrape. Cumulative counters (network) only ever grow.
 */
export class UsageModel {
  constructor(private readonly seed: string) {}

  private h(...parts: (string | number)[]): number {
    return hashUnit(`${this.seed}|${parts.join('|')}`);
  }

  scrapeTime(now: number): number {
    return Math.floor(now / SCRAPE_MS) * SCRAPE_MS;
  }

  /** Undefined for pods without running containers (metrics-server reports none for them). */
  podUsage(pod: K8sObject, now: number): PodUsage | undefined {
    if (pod.status?.phase !== 'Running') return undefined;
    const t = this.scrapeTime(now);
    const uid = pod.metadata.uid;
    const containers: ContainerUsage[] = [];
    for (const spec of pod.spec.containers) {
      const st = pod.status.containerStatuses?.find((c: any) => c.name === spec.name);
      if (!st?.state?.running) continue;
      const reqCpu = spec.resources?.requests?.cpu ? cpuMillis(spec.resources.requests.cpu) : 100;
      const reqMem = spec.resources?.requests?.memory ? parseQuantity(spec.resources.requests.memory) : 128 * 2 ** 20;
      const limMem = spec.resources?.limits?.memory ? parseQuantity(spec.resources.limits.memory) : reqMem * 2;
      const base = 0.08 + 1.0 * this.h(uid, spec.name, 'cpu');
      const period = (10 + 50 * this.h(uid, spec.name, 'period')) * 60_000;
      const wave = 1 + 0.35 * Math.sin((2 * Math.PI * t) / period + 2 * Math.PI * this.h(uid, spec.name, 'phase'));
      const noise = 0.9 + 0.2 * this.h(uid, spec.name, t);
      const cpu = reqCpu * 1e6 * base * wave * noise;
      const oomed = st.lastState?.terminated?.reason === 'OOMKilled';
      const memBase = oomed ? 0.85 * limMem : reqMem * (0.3 + 0.8 * this.h(uid, spec.name, 'mem'));
      const memory = Math.min(limMem * 0.98, memBase * (1 + 0.05 * Math.sin((2 * Math.PI * t) / (period * 1.7))) * (0.98 + 0.04 * this.h(uid, spec.name, 'm', t)));
      containers.push({ name: spec.name, cpu: Math.round(cpu), memory: Math.round(memory / 4096) * 4096, startedAt: st.state.running.startedAt });
    }
    if (containers.length === 0) return undefined;
    const started = Date.parse(pod.status.startTime ?? pod.metadata.creationTimestamp);
    const elapsed = Math.max(0, (t - started) / 1000);
    const rate = 500 + 200_000 * this.h(uid, 'net') ** 2;
    const omega = (2 * Math.PI) / 3600;
    const cumulative = (r: number) => Math.floor(r * (elapsed + (0.5 * Math.sin(omega * elapsed)) / omega));
    return {
      containers,
      cpu: containers.reduce((s, c) => s + c.cpu, 0),
      memory: containers.reduce((s, c) => s + c.memory, 0),
      rxBytes: cumulative(rate),
      txBytes: cumulative(rate * (0.2 + 0.8 * this.h(uid, 'tx'))),
      ephemeralBytes: Math.round((20 + 2000 * this.h(uid, 'eph')) * 2 ** 20 + Math.min(elapsed, 86_400) * 1000),
    };
  }
}
