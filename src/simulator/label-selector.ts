/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`. */
export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

export class SelectorError extends Error {}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

export function parseLabelSelector(selector: string | undefined | null): LabelMatcher | undefined {
  if (!selector || !selector.trim()) return undefined;
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((r) => r(labels ?? {}));
}

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => {
    if (!p) throw new SelectorError(`invalid label selector "${selector}": empty requirement`);
    return true;
  });
}

function checkKey(key: string, req: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label selector requirement "${req}": invalid label key "${key}"`);
  return key;
}

function checkValue(value: string, req: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw new SelectorError(`invalid label selector requirement "${req}": invalid label value "${value}"`);
  return value;
}

function parseRequirement(req: string): (labels: Record<string, string>) => boolean {
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(req);
  if (m) {
    const key = checkKey(m[1], req);
    const values = new Set(m[3].split(',').map((v) => checkValue(v.trim(), req)));
    if (m[2] === 'in') return (l) => key in l && values.has(l[key]);
    return (l) => !(key in l) || !values.has(l[key]);
  }
  m = /^!\s*(\S+)$/.exec(req);
  if (m) {
    const key = checkKey(m[1], req);
    return (l) => !(key in l);
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(\S*)$/.exec(req);
  if (m) {
    const key = checkKey(m[1], req);
    const op = m[2];
    if (op === '<' || op === '>') {
      const bound = Number(m[3]);
      if (!Number.isInteger(bound)) throw new SelectorError(`invalid label selector requirement "${req}": ${op} needs an integer`);
      return (l) => key in l && /^-?\d+$/.test(l[key]) && (op === '<' ? Number(l[key]) < bound : Number(l[key]) > bound);
    }
    const value = checkValue(m[3], req);
    if (op === '!=') return (l) => l[key] !== value;
    return (l) => l[key] === value;
  }
  if (/^\S+$/.test(req)) {
    const key = checkKey(req, req);
    return (l) => key in l;
  }
  throw new SelectorError(`invalid label selector requirement "${req}"`);
}
