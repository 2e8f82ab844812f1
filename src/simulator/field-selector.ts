import type { K8sObject } from './k8s-object.js';
import type { ResourceType } from './resource-types.js';
import { SelectorError } from './label-selector.js';

export type FieldMatcher = (obj: K8sObject) => boolean;

/** Field selectors as the API server supports them: `field=value`, `field==value`, `field!=value`, comma-joined. */
export function parseFieldSelector(selector: string | undefined | null, type: ResourceType): FieldMatcher | undefined {
  if (!selector || !selector.trim()) return undefined;
  const terms = selector.split(',').map((term) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector "${selector}": cannot parse "${term}"`);
    const [, field, op, value] = m;
    const extract = fieldExtractor(field, type);
    if (!extract) throw new SelectorError(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"${Object.keys(type.fields).map((f) => `, "${f}"`).join('')}`);
    return op === '!=' ? (o: K8sObject) => (extract(o) ?? '') !== value : (o: K8sObject) => (extract(o) ?? '') === value;
  });
  return (obj) => terms.every((t) => t(obj));
}

function fieldExtractor(field: string, type: ResourceType): ((o: K8sObject) => string | undefined) | undefined {
  if (field === 'metadata.name') return (o) => o.metadata.name;
  if (field === 'metadata.namespace') return (o) => (type.namespaced ? o.metadata.namespace : '');
  return type.fields[field];
}
