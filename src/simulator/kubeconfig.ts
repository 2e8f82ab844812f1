import yaml from 'js-yaml';

export interface KubeconfigParams {
  server: string;
  token: string;
  clusterName: string;
  contextName: string;
  userName: string;
  /** PEM; absent for plain HTTP. */
  caCert?: string;
}

export function renderKubeconfig(p: KubeconfigParams): string {
  const cluster: Record<string, unknown> = { server: p.server };
  // client-go refuses plain http without insecure-skip-tls-verify in some clients (e.g. @kubernetes/client-node).
  if (p.caCert) cluster['certificate-authority-data'] = Buffer.from(p.caCert).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.clusterName, cluster }],
    contexts: [{ name: p.contextName, context: { cluster: p.clusterName, user: p.userName } }],
    'current-context': p.contextName,
    preferences: {},
    users: [{ name: p.userName, user: { token: p.token } }],
  }, { lineWidth: -1 });
}
