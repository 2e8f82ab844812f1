import { describe, expect, it } from 'vitest';
import { detectProvider } from '../../src/cluster/provider-detection.js';

const node = (n: { providerID?: string; labels?: Record<string, string>; osImage?: string } = {}) => n;

describe('detectProvider', () => {
  it('reads the distribution from the version string', () => {
    expect(detectProvider({ serverUrl: 'https://10.0.0.1', gitVersion: 'v1.30.4-eks-a737599', node: node() })).toBe('eks');
    expect(detectProvider({ serverUrl: 'https://10.0.0.1', gitVersion: 'v1.30.5-gke.1014001', node: node() })).toBe('gke');
    expect(detectProvider({ serverUrl: 'https://10.0.0.1', gitVersion: 'v1.30.4+k3s1', node: node() })).toBe('k3s');
  });

  it('reads the managed service from the API server host', () => {
    expect(detectProvider({ serverUrl: 'https://ABC123.gr7.us-east-1.eks.amazonaws.com', gitVersion: 'v1.30.0', node: undefined })).toBe('eks');
    expect(detectProvider({ serverUrl: 'https://prod-dns-1a2b.hcp.eastus.azmk8s.io:443', gitVersion: 'v1.30.3', node: undefined })).toBe('aks');
    expect(detectProvider({ serverUrl: 'https://api.prod.abcd.p1.openshiftapps.com:6443', gitVersion: 'v1.29.8+f10c92d', node: undefined })).toBe('openshift');
  });

  it('reads node providerIDs, labels and OS image', () => {
    const plain = { serverUrl: 'https://10.0.0.1:6443', gitVersion: 'v1.31.0' };
    expect(detectProvider({ ...plain, node: node({ providerID: 'aws:///us-east-1a/i-0abc' }) })).toBe('eks');
    expect(detectProvider({ ...plain, node: node({ providerID: 'gce://proj/us-central1-a/n1' }) })).toBe('gke');
    expect(detectProvider({ ...plain, node: node({ providerID: 'azure:///subscriptions/x/vm/0' }) })).toBe('aks');
    expect(detectProvider({ ...plain, node: node({ providerID: 'kind://docker/kind/kind-control-plane' }) })).toBe('kind');
    expect(detectProvider({ ...plain, node: node({ providerID: 'k3s://node-1' }) })).toBe('k3s');
    // OpenShift on AWS carries AWS providerIDs; its own markers win.
    expect(detectProvider({ ...plain, node: node({ providerID: 'aws:///us-east-2a/i-0abc', labels: { 'node.openshift.io/os_id': 'rhcos' } }) })).toBe('openshift');
    expect(detectProvider({ ...plain, node: node({ osImage: 'Red Hat Enterprise Linux CoreOS 416.94' }) })).toBe('openshift');
  });

  it('says vanilla only when a node was seen, unknown otherwise', () => {
    expect(detectProvider({ serverUrl: 'https://10.0.0.1:6443', gitVersion: 'v1.31.2', node: node() })).toBe('vanilla');
    expect(detectProvider({ serverUrl: 'https://10.0.0.1:6443', gitVersion: 'v1.31.2', node: null })).toBe('vanilla');
    expect(detectProvider({ serverUrl: 'https://10.0.0.1:6443', gitVersion: 'v1.31.2', node: undefined })).toBe('unknown');
    expect(detectProvider({ serverUrl: 'https://10.0.0.1:6443', gitVersion: undefined, node: node() })).toBe('unknown');
  });
});
