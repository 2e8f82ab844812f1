import { byteCount, millicores, type Obj } from './k8s-fields.js';

export interface ContainerSpecRow {
  name: string;
  image: string;
  cpuRequestMillicores: number | null;
  cpuLimitMillicores: number | null;
  memoryRequestBytes: number | null;
  memoryLimitBytes: number | null;
}

/** Containers of a pod spec (or pod template spec) with quantities converted. */
export function mapContainerSpecs(podSpec: Obj | undefined, where: string): ContainerSpecRow[] {
  const containers: Obj[] = Array.isArray(podSpec?.containers) ? podSpec!.containers : [];
  return containers.map((c) => {
    const at = `${where} container ${c.name}`;
    return {
      name: String(c.name),
      image: String(c.image ?? ''),
      cpuRequestMillicores: millicores(c.resources?.requests?.cpu, `${at} requests.cpu`),
      cpuLimitMillicores: millicores(c.resources?.limits?.cpu, `${at} limits.cpu`),
      memoryRequestBytes: byteCount(c.resources?.requests?.memory, `${at} requests.memory`),
      memoryLimitBytes: byteCount(c.resources?.limits?.memory, `${at} limits.memory`),
    };
  });
}
