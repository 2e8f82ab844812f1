import type { Random } from './random.js';

export type Provider = 'eks' | 'gke' | 'aks' | 'k3s' | 'kind' | 'openshift' | 'vanilla';
export const PROVIDERS: readonly Provider[] = ['eks', 'gke', 'aks', 'k3s', 'kind', 'openshift', 'vanilla'];

export interface InstanceType {
  name: string;
  cpu: number;
  memoryGi: number;
  maxPods: number;
}

/** What distinguishes one provider flavour: version string, node naming, providerID, instance types, zones, storage class. */
export interface ProviderProfile {
  gitVersion: string;
  region: string;
  zones: string[];
  instanceTypes: InstanceType[];
  storageClass: string;
  /** The first node is a control-plane node tainted NoSchedule (single-cluster distributions). */
  controlPlaneFirst: boolean;
  kubeletVersion: string;
  osImage: string;
  kernelVersion: string;
  containerRuntime: string;
  nodeName(rng: Random, index: number, cluster: string, zone: string, ip: string): string;
  providerId(rng: Random, nodeName: string, zone: string, index: number, cluster: string): string | undefined;
  extraNodeLabels(index: number, cluster: string): Record<string, string>;
}

const GENERIC_TYPES: InstanceType[] = [
  { name: 'standard-4', cpu: 4, memoryGi: 16, maxPods: 110 },
  { name: 'standard-8', cpu: 8, memoryGi: 32, maxPods: 110 },
];

export const PROVIDER_PROFILES: Record<Provider, ProviderProfile> = {
  eks: {
    gitVersion: 'v1.30.4-eks-a737599', region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    instanceTypes: [
      { name: 'm5.xlarge', cpu: 4, memoryGi: 16, maxPods: 58 },
      { name: 'm5.2xlarge', cpu: 8, memoryGi: 32, maxPods: 58 },
      { name: 'c5.4xlarge', cpu: 16, memoryGi: 32, maxPods: 234 },
      { name: 'r5.2xlarge', cpu: 8, memoryGi: 64, maxPods: 58 },
    ],
    storageClass: 'gp3', controlPlaneFirst: false, kubeletVersion: 'v1.30.4-eks-a737599', osImage: 'Amazon Linux 2023.5.20240916', kernelVersion: '6.1.109-118.189.amzn2023.x86_64', containerRuntime: 'containerd://1.7.22',
    nodeName: (_rng, _i, _c, _z, ip) => `ip-${ip.replace(/\./g, '-')}.ec2.internal`,
    providerId: (rng, _n, zone) => `aws:///${zone}/i-0${rng.hex(16)}`,
    extraNodeLabels: () => ({ 'eks.amazonaws.com/nodegroup': 'default', 'eks.amazonaws.com/capacityType': 'ON_DEMAND' }),
  },
  gke: {
    gitVersion: 'v1.30.5-gke.1014001', region: 'us-central1', zones: ['us-central1-a', 'us-central1-b', 'us-central1-f'],
    instanceTypes: [
      { name: 'e2-standard-4', cpu: 4, memoryGi: 16, maxPods: 110 },
      { name: 'n2-standard-8', cpu: 8, memoryGi: 32, maxPods: 110 },
      { name: 'n2-highmem-8', cpu: 8, memoryGi: 64, maxPods: 110 },
    ],
    storageClass: 'standard-rwo', controlPlaneFirst: false, kubeletVersion: 'v1.30.5-gke.1014001', osImage: 'Container-Optimized OS from Google', kernelVersion: '6.1.100+', containerRuntime: 'containerd://1.7.22',
    nodeName: (rng, _i, cluster) => `gke-${cluster}-default-pool-${rng.hex(8)}-${rng.suffix(4)}`,
    providerId: (_rng, name, zone, _i, cluster) => `gce://${cluster}-project/${zone}/${name}`,
    extraNodeLabels: () => ({ 'cloud.google.com/gke-nodepool': 'default-pool', 'cloud.google.com/gke-os-distribution': 'cos' }),
  },
  aks: {
    gitVersion: 'v1.30.3', region: 'eastus', zones: ['eastus-1', 'eastus-2', 'eastus-3'],
    instanceTypes: [
      { name: 'Standard_D4s_v5', cpu: 4, memoryGi: 16, maxPods: 110 },
      { name: 'Standard_D8s_v5', cpu: 8, memoryGi: 32, maxPods: 110 },
      { name: 'Standard_E8s_v5', cpu: 8, memoryGi: 64, maxPods: 110 },
    ],
    storageClass: 'managed-csi', controlPlaneFirst: false, kubeletVersion: 'v1.30.3', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '5.15.0-1071-azure', containerRuntime: 'containerd://1.7.20-1',
    nodeName: (_rng, i) => `aks-nodepool1-31415926-vmss${i.toString(36).padStart(6, '0')}`,
    providerId: (_rng, _n, _z, i, cluster) => `azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_${cluster}_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31415926-vmss/virtualMachines/${i}`,
    extraNodeLabels: () => ({ agentpool: 'nodepool1', 'kubernetes.azure.com/agentpool': 'nodepool1' }),
  },
  k3s: {
    gitVersion: 'v1.30.4+k3s1', region: 'homelab', zones: ['rack-1', 'rack-2'],
    instanceTypes: [{ name: 'k3s', cpu: 4, memoryGi: 8, maxPods: 110 }, { name: 'k3s', cpu: 8, memoryGi: 16, maxPods: 110 }],
    storageClass: 'local-path', controlPlaneFirst: true, kubeletVersion: 'v1.30.4+k3s1', osImage: 'Ubuntu 24.04.1 LTS', kernelVersion: '6.8.0-45-generic', containerRuntime: 'containerd://1.7.20-k3s1',
    nodeName: (_rng, i) => `k3s-node-${i + 1}`,
    providerId: (_rng, name) => `k3s://${name}`,
    extraNodeLabels: () => ({ 'node.kubernetes.io/instance-type': 'k3s' }),
  },
  kind: {
    gitVersion: 'v1.31.0', region: 'local', zones: ['local'],
    instanceTypes: GENERIC_TYPES,
    storageClass: 'standard', controlPlaneFirst: true, kubeletVersion: 'v1.31.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.8.0-45-generic', containerRuntime: 'containerd://1.7.18',
    nodeName: (_rng, i, cluster) => (i === 0 ? `${cluster}-control-plane` : `${cluster}-worker${i === 1 ? '' : i}`),
    providerId: (_rng, name, _z, _i, cluster) => `kind://docker/${cluster}/${name}`,
    extraNodeLabels: () => ({}),
  },
  openshift: {
    gitVersion: 'v1.29.8+f10c92d', region: 'us-east-2', zones: ['us-east-2a', 'us-east-2b', 'us-east-2c'],
    instanceTypes: [{ name: 'm6i.2xlarge', cpu: 8, memoryGi: 32, maxPods: 250 }, { name: 'm6i.4xlarge', cpu: 16, memoryGi: 64, maxPods: 250 }],
    storageClass: 'gp3-csi', controlPlaneFirst: false, kubeletVersion: 'v1.29.8+f10c92d', osImage: 'Red Hat Enterprise Linux CoreOS 416.94.202409191851-0', kernelVersion: '5.14.0-427.37.1.el9_4.x86_64', containerRuntime: 'cri-o://1.29.8-5.rhaos4.16.git7bcf7f7.el9',
    nodeName: (_rng, _i, _c, zone, ip) => `ip-${ip.replace(/\./g, '-')}.${zone.slice(0, -1)}.compute.internal`,
    providerId: (rng, _n, zone) => `aws:///${zone}/i-0${rng.hex(16)}`,
    extraNodeLabels: () => ({ 'node-role.kubernetes.io/worker': '', 'node.openshift.io/os_id': 'rhcos' }),
  },
  vanilla: {
    gitVersion: 'v1.31.2', region: 'dc1', zones: ['dc1-a', 'dc1-b', 'dc1-c'],
    instanceTypes: GENERIC_TYPES,
    storageClass: 'standard', controlPlaneFirst: true, kubeletVersion: 'v1.31.2', osImage: 'Ubuntu 22.04.5 LTS', kernelVersion: '5.15.0-122-generic', containerRuntime: 'containerd://1.7.22',
    nodeName: (_rng, i) => `worker-${String(i + 1).padStart(2, '0')}`,
    providerId: () => undefined,
    extraNodeLabels: () => ({}),
  },
};
