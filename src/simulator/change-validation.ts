import { SimulationError } from './cluster-controller.js';
import type { SimChange, SimChangeKind, SimFault } from './sim-change.js';

type FieldType = 'string' | 'number' | 'boolean' | 'object';
type Shape = Record<string, FieldType | `${FieldType}?`>;

const POD: Shape = { namespace: 'string', name: 'string' };

const CHANGES: Record<SimChangeKind, Shape> = {
  scaleDeployment: { namespace: 'string', name: 'string', replicas: 'number' },
  rollout: { namespace: 'string', name: 'string', image: 'string?', templateAnnotations: 'object?' },
  deletePod: { namespace: 'string', name: 'string', replace: 'boolean?' },
  createPod: { namespace: 'string', name: 'string?', nodeName: 'string?', labels: 'object?', cpu: 'string?', memory: 'string?' },
  crashPod: POD, oomKill: POD, imagePullBackOff: POD, recoverPod: POD, completePod: POD,
  nodeNotReady: { name: 'string' }, nodeReady: { name: 'string' },
  helmUpgrade: { namespace: 'string', name: 'string' },
  createNamespace: { name: 'string', labels: 'object?' },
  labelNamespace: { name: 'string', labels: 'object' },
  createDeployment: { namespace: 'string', name: 'string', replicas: 'number', cpu: 'string?', memory: 'string?', image: 'string?' },
  deleteDeployment: { namespace: 'string', name: 'string' },
  deleteNamespace: { name: 'string' },
  createJob: { namespace: 'string', name: 'string', completions: 'number?', backoffLimit: 'number?', durationSeconds: 'number?', fail: 'boolean?', image: 'string?' },
  scaleStatefulSet: { namespace: 'string', name: 'string', replicas: 'number' },
  syncControllers: {},
};

const FAULTS: Record<SimFault['kind'], Shape> = {
  dropWatches: { clean: 'boolean?' }, stallWatches: {}, errors: { status: 'number', forMs: 'number' }, force410: { http: 'boolean?' },
  compactHistory: {}, down: {}, up: {},
};

function check<T>(what: string, input: unknown, shapes: Record<string, Shape>): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SimulationError(`a ${what} must be a JSON object with a "kind"`);
  const obj = input as Record<string, unknown>;
  const shape = typeof obj.kind === 'string' ? shapes[obj.kind] : undefined;
  if (!shape) throw new SimulationError(`unknown ${what} kind ${JSON.stringify(obj.kind)}: expected one of ${Object.keys(shapes).join(', ')}`);
  for (const [field, spec] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const type = spec.replace('?', '');
    const value = obj[field];
    if (value === undefined && optional) continue;
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (actual !== type) throw new SimulationError(`${obj.kind}: "${field}" must be a ${type}${optional ? ' when given' : ''}, got ${actual}`);
  }
  const unknown = Object.keys(obj).filter((k) => k !== 'kind' && !(k in shape));
  if (unknown.length) throw new SimulationError(`${obj.kind}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
  return obj as T;
}

/** Checks a change from outside (admin endpoint, tests) before anything is touched. */
export function validateChange(input: unknown): SimChange {
  return check<SimChange>('change', input, CHANGES);
}

/** Checks a fault from outside (admin endpoint, `fault()`), values included, so that injecting it cannot fail. */
export function validateFault(input: unknown): SimFault {
  const fault = check<SimFault>('fault', input, FAULTS);
  if (fault.kind === 'errors') {
    if (![429, 500, 503].includes(fault.status)) throw new SimulationError(`errors fault status must be 429, 500 or 503, got ${fault.status}`);
    if (!(fault.forMs >= 0)) throw new SimulationError(`errors fault forMs must be a non-negative number, got ${fault.forMs}`);
  }
  return fault;
}
