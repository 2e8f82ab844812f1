/**
 * Continue tokens in the API server's shape (base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`),
 * plus the issue time so that tokens can expire. rv -1 marks an inconsistent continuation (current state).
 */
export interface ContinueToken {
  rv: number;
  after: string;
  issuedAt: number;
}

export class InvalidContinueError extends Error {}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: `${t.after}\u0000`, t: t.issuedAt })).toString('base64');
}

export function decodeContinue(token: string): ContinueToken {
  let parsed: { v?: unknown; rv?: unknown; start?: unknown; t?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString());
  } catch {
    throw new InvalidContinueError('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string' || typeof parsed.t !== 'number' || !parsed.start.endsWith('\u0000')) {
    throw new InvalidContinueError('continue key is not valid: server does not recognize this encoded version');
  }
  return { rv: parsed.rv, after: parsed.start.slice(0, -1), issuedAt: parsed.t };
}
