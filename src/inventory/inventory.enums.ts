import { registerEnumType } from 'type-graphql';

/** Values are the strings stored in k8s_pods.phase (Kubernetes spelling). */
export enum PodPhase {
  PENDING = 'Pending',
  RUNNING = 'Running',
  SUCCEEDED = 'Succeeded',
  FAILED = 'Failed',
  UNKNOWN = 'Unknown',
}

/** Values are the strings stored in k8s_deployments.health and k8s_workloads.health: every workload's health. */
export enum DeploymentHealth {
  HEALTHY = 'healthy',
  PROGRESSING = 'progressing',
  DEGRADED = 'degraded',
  FAILED = 'failed',
  SCALED_TO_ZERO = 'scaled_to_zero',
  SUCCEEDED = 'succeeded',
  SUSPENDED = 'suspended',
}

/** Values are the Kubernetes kinds, as stored in k8s_workloads.kind. */
export enum WorkloadKind {
  DEPLOYMENT = 'Deployment',
  STATEFUL_SET = 'StatefulSet',
  DAEMON_SET = 'DaemonSet',
  JOB = 'Job',
  CRON_JOB = 'CronJob',
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
  description: 'Health of a workload (a Deployment and every other kind) derived from its replica counts, runs and conditions.',
  valuesConfig: {
    HEALTHY: { description: 'Every desired replica is available and up to date; a CronJob that is not suspended.' },
    PROGRESSING: { description: 'A rollout is under way; a Job still running.' },
    DEGRADED: { description: 'Some desired replicas are unavailable.' },
    FAILED: { description: 'The rollout failed (ProgressDeadlineExceeded) or no replica is available; a Job that failed.' },
    SCALED_TO_ZERO: { description: 'Zero replicas desired (a DaemonSet: no node to run on).' },
    SUCCEEDED: { description: 'A Job that completed.' },
    SUSPENDED: { description: 'A suspended Job or CronJob.' },
  },
});

registerEnumType(WorkloadKind, {
  name: 'WorkloadKind',
  description: 'Kubernetes kind of a workload.',
  valuesConfig: {
    DEPLOYMENT: { description: 'apps/v1 Deployment (pods through ReplicaSets).' },
    STATEFUL_SET: { description: 'apps/v1 StatefulSet.' },
    DAEMON_SET: { description: 'apps/v1 DaemonSet.' },
    JOB: { description: 'batch/v1 Job.' },
    CRON_JOB: { description: 'batch/v1 CronJob (pods through the Jobs it starts).' },
  },
});

