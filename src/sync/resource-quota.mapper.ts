import type { Obj } from './k8s-fields.js';

export interface ResourceQuotaSummary {
  namespace: string;
  name: string;
  hard: Record<string, string>;
  used: Record<string, string>;
}

function quantities(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, q]) => [k, String(q)]));
}

export function mapResourceQuota(obj: Obj): ResourceQuotaSummary {
  return {
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    hard: quantities(obj.status?.hard ?? obj.spec?.hard),
    used: quantities(obj.status?.used),
  };
}
