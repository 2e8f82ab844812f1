import type { Obj } from './k8s-fields.js';

export interface LimitRangeSummary {
  namespace: string;
  name: string;
  limits: unknown[];
}

export function mapLimitRange(obj: Obj): LimitRangeSummary {
  return {
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    limits: Array.isArray(obj.spec?.limits) ? obj.spec.limits : [],
  };
}
