/** Accept-header negotiation: plain JSON, or a meta.k8s.io Table for server-side printing. */
export type Representation = { kind: 'json' } | { kind: 'table'; apiVersion: string };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    return { type: type.toLowerCase(), params: Object.fromEntries(params.map((p) => p.split('=').map((s) => s.trim()) as [string, string])) };
  });
}

/** First acceptable representation in the client's order; undefined means 406. */
export function negotiate(accept: string | undefined, tableCapable: boolean): Representation | undefined {
  if (!accept) return { kind: 'json' };
  for (const m of parseAccept(accept)) {
    const json = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (!json) continue;
    if (m.params.as === undefined) return { kind: 'json' };
    if (m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && tableCapable && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
      return { kind: 'table', apiVersion: `meta.k8s.io/${m.params.v}` };
    }
  }
  return undefined;
}
