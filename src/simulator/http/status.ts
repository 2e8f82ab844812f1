import type { ServerResponse } from 'node:http';

/** The `Status` body the API server sends with every error. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

export function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>, metadata: Record<string, unknown> = {}): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  return body;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>, headers?: Record<string, string>, metadata?: Record<string, unknown>): void {
  sendJson(res, code, statusBody(code, reason, message, details, metadata), headers);
}

export function notFound(res: ServerResponse, resource: { group: string; name: string; plural?: string }, name: string): void {
  const plural = resource.plural ?? resource.name;
  const qualified = resource.group ? `${plural}.${resource.group}` : plural;
  sendStatus(res, 404, 'NotFound', `${qualified} "${name}" not found`, { name, group: resource.group || undefined, kind: plural });
}
