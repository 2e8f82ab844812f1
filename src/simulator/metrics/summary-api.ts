import type { K8sObject } from '../k8s-object.js';
import { timestamp } from '../object-factory.js';
import { parseQuantity } from '../quantity.js';
import type { MetricsContext } from './metrics-api.js';
import { nodeUsage } from './metrics-api.js';

/** The kubelet Summary API (`/stats/summary`) of one node: per-pod cpu, memory, network and ephemeral storage. */
export function kubeletSummary(ctx: MetricsContext, node: K8sObject): Record<string, unknown> {
  const now = ctx.now();
  const t = ctx.usage.scrapeTime(now);
  const time = timestamp(t);
  const nodeStart = node.metadata.creationTimestamp;
  const uptimeS = Math.max(1, (t - Date.parse(nodeStart)) / 1000);
  const fsCapacity = parseQuantity(node.status.capacity['ephemeral-storage']);
  const memCapacity = parseQuantity(node.status.capacity.memory);
  const pods: Record<string, unknown>[] = [];
  let rx = 0, tx = 0, fsUsed = 8 * 2 ** 30;
  for (const key of [...(ctx.controller.podsByNode.get(node.metadata.name) ?? [])].sort()) {
    const pod = ctx.store.get('pods', key)?.obj;
    if (!pod) continue;
    const u = ctx.usage.podUsage(pod, now);
    if (!u) continue;
    rx += u.rxBytes;
    tx += u.txBytes;
    fsUsed += u.ephemeralBytes;
    const podStart = pod.status.startTime ?? pod.metadata.creationTimestamp;
    const podUptime = Math.max(1, (t - Date.parse(podStart)) / 1000);
    const volumes = (pod.spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => {
      const pvc = ctx.store.get('persistentvolumeclaims', `${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`)?.obj;
      const capacity = pvc ? parseQuantity(pvc.status.capacity.storage) : 10 * 2 ** 30;
      const used = Math.round(capacity * (0.1 + 0.6 * ((u.ephemeralBytes / 2 ** 20) % 100) / 100));
      return {
        time, availableBytes: capacity - used, capacityBytes: capacity, usedBytes: used, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 553_600, name: v.name,
        pvcRef: { name: v.persistentVolumeClaim.claimName, namespace: pod.metadata.namespace },
      };
    });
    pods.push({
      podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      startTime: podStart,
      containers: u.containers.map((c) => ({
        name: c.name, startTime: c.startedAt,
        cpu: { time, usageNanoCores: c.cpu, usageCoreNanoSeconds: Math.round(c.cpu * podUptime) },
        memory: { time, usageBytes: c.memory + 4 * 2 ** 20, workingSetBytes: c.memory, rssBytes: Math.round(c.memory * 0.9), pageFaults: 12_000, majorPageFaults: 12 },
        rootfs: { time, availableBytes: fsCapacity - fsUsed, capacityBytes: fsCapacity, usedBytes: 40_960, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 12 },
        logs: { time, availableBytes: fsCapacity - fsUsed, capacityBytes: fsCapacity, usedBytes: 16_384, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 2 },
      })),
      cpu: { time, usageNanoCores: u.cpu, usageCoreNanoSeconds: Math.round(u.cpu * podUptime) },
      memory: { time, availableBytes: 0, usageBytes: u.memory + 4 * 2 ** 20, workingSetBytes: u.memory, rssBytes: Math.round(u.memory * 0.9), pageFaults: 12_000, majorPageFaults: 12 },
      network: { time, name: 'eth0', rxBytes: u.rxBytes, rxErrors: 0, txBytes: u.txBytes, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: u.rxBytes, rxErrors: 0, txBytes: u.txBytes, txErrors: 0 }] },
      volume: volumes,
      'ephemeral-storage': { time, availableBytes: fsCapacity - fsUsed, capacityBytes: fsCapacity, usedBytes: u.ephemeralBytes, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 80 },
      process_stats: { process_count: u.containers.length * 3 },
    });
  }
  const nu = nodeUsage(ctx, node, now);
  return {
    node: {
      nodeName: node.metadata.name,
      systemContainers: [
        { name: 'kubelet', startTime: nodeStart, cpu: { time, usageNanoCores: Math.round(nu.cpu * 0.02), usageCoreNanoSeconds: Math.round(nu.cpu * 0.02 * uptimeS) }, memory: { time, usageBytes: 90 * 2 ** 20, workingSetBytes: 80 * 2 ** 20, rssBytes: 70 * 2 ** 20, pageFaults: 1000, majorPageFaults: 0 } },
        { name: 'pods', startTime: nodeStart, cpu: { time, usageNanoCores: nu.cpu, usageCoreNanoSeconds: Math.round(nu.cpu * uptimeS) }, memory: { time, availableBytes: memCapacity - nu.memory, usageBytes: nu.memory, workingSetBytes: nu.memory, rssBytes: Math.round(nu.memory * 0.8), pageFaults: 0, majorPageFaults: 0 } },
      ],
      startTime: nodeStart,
      cpu: { time, usageNanoCores: nu.cpu, usageCoreNanoSeconds: Math.round(nu.cpu * uptimeS) },
      memory: { time, availableBytes: memCapacity - nu.memory, usageBytes: nu.memory + 2 ** 30, workingSetBytes: nu.memory, rssBytes: Math.round(nu.memory * 0.8), pageFaults: 1_200_000, majorPageFaults: 300 },
      network: { time, name: 'eth0', rxBytes: rx, rxErrors: 0, txBytes: tx, txErrors: 0, interfaces: [{ name: 'eth0', rxBytes: rx, rxErrors: 0, txBytes: tx, txErrors: 0 }] },
      fs: { time, availableBytes: fsCapacity - fsUsed, capacityBytes: fsCapacity, usedBytes: fsUsed, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 553_600 },
      runtime: { imageFs: { time, availableBytes: fsCapacity - fsUsed, capacityBytes: fsCapacity, usedBytes: 4 * 2 ** 30, inodesFree: 6_000_000, inodes: 6_553_600, inodesUsed: 553_600 } },
      rlimit: { time, maxpid: 4_194_304, curproc: 300 + pods.length * 3 },
    },
    pods,
  };
}
