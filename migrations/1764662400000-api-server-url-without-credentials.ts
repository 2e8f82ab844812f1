import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clusters registered before kubegraph stripped credentials from server URLs (`https://user:password@host`) had them
 * in `k8s_clusters.api_server_url`, a plain column every viewer can read. They stay, encrypted, in the kubeconfig,
 * which is what connects; the column keeps the URL without them.
 */
export class ApiServerUrlWithoutCredentials1764662400000 implements MigrationInterface {
  name = 'ApiServerUrlWithoutCredentials1764662400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE k8s_clusters SET api_server_url = regexp_replace(api_server_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@', '\\1')
       WHERE api_server_url ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@]*@'`);
  }

  async down(): Promise<void> {
    // The credentials removed are not kept anywhere in plain text, on purpose: nothing to restore.
  }
}
