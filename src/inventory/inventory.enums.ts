import { registerEnumType } from 'type-graphql';

/** Values are the strings stored in k8s_pods.phase (Kubernetes spelling). */
export enum PodPhase {
  PENDING = 'Pending',
  RUNNING = 'Running',
  SUCCEEDED = 'Succeeded',
  FAILED = 'Failed',
  UNKNOWN = 'Unknown',
}

/** Values are the strings stored in k8s_deployments.health. */
export enum DeploymentHealth {
  HEALTHY = 'healthy',
  PROGRESSING = 'progressing',
  DEGRADED = 'degraded',
  FAILED = 'failed',
  SCALED_TO_ZERO = 'scaled_to_zero',
}


registerEnumType(PodPhase, {
  name: 'PodPhase',
  description: 'Kubernetes pod phase (status.phase).',
  valuesConfig: {
    PENDING: { description: 'Accepted, but not every container is running yet (scheduling, image pulls).' },
    RUNNING: { description: 'Bound to a node, at least one container running.' },
    SUCCEEDED: { description: 'Every container terminated successfully and will not restart.' },
    FAILED: { description: 'Every container terminated and at least one failed.' },
    UNKNOWN: { description: 'The pod state could not be obtained from its node.' },
  },
});

registerEnumType(DeploymentHealth, {
  name: 'DeploymentHealth',
  description: 'Health of a Deployment derived from its replica counts and conditions.',
  valuesConfig: {
    HEALTHY: { description: 'Every desired replica is available and up to date.' },
    PROGRESSING: { description: 'A rollout is under way.' },
    DEGRADED: { description: 'Some desired replicas are unavailable.' },
    FAILED: { description: 'The rollout failed (ProgressDeadlineExceeded) or no replica is available.' },
    SCALED_TO_ZERO: { description: 'Zero replicas desired.' },
  },
});

