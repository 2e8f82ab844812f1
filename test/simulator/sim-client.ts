import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SimulatedCluster } from '../../src/simulator/simulated-cluster.js';

/** A minimal HTTP client for the simulator that verifies its TLS against the generated CA. */
export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: any;
}

function open(sim: SimulatedCluster, path: string, opts: { token?: string | null; accept?: string; method?: string; body?: unknown }): ClientRequest {
  const url = new URL(path, sim.url);
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? sim.token}`;
  if (opts.accept) headers.accept = opts.accept;
  // Sized: Node sends the body of a DELETE without chunked encoding, which the server cannot tell from the next request.
  if (opts.body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(JSON.stringify(opts.body))) });
  const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return doRequest(url, { method: opts.method ?? 'GET', headers, ca: sim.certificateAuthority, agent: false });
}

export function get(sim: SimulatedCluster, path: string, opts: { token?: string | null; accept?: string; method?: string; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = open(sim, path, opts);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

export function post(sim: SimulatedCluster, path: string, body: unknown): Promise<Reply> {
  return get(sim, path, { method: 'POST', body });
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: any;
}

/** An open watch stream: events as they arrive, how it ended (clean end, or an error). */
export class WatchStream {
  readonly events: WatchEvent[] = [];
  status = 0;
  ended: 'clean' | 'error' | undefined;
  private waiters: (() => void)[] = [];
  private req: ClientRequest;

  constructor(sim: SimulatedCluster, path: string, accept?: string) {
    this.req = open(sim, path, { accept });
    let buffer = '';
    this.req.on('response', (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim()) this.events.push(JSON.parse(line));
        }
        this.wake();
      });
      res.on('end', () => { this.ended ??= 'clean'; this.wake(); });
      res.on('error', () => { this.ended = 'error'; this.wake(); });
      res.on('aborted', () => { this.ended = 'error'; this.wake(); });
    });
    this.req.on('error', () => { this.ended = 'error'; this.wake(); });
    this.req.end();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds over the events so far (or the stream ended), failing after `timeoutMs`. */
  async until(pred: (events: WatchEvent[]) => boolean, timeoutMs = 15_000, what = 'watch condition'): Promise<WatchEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.events)) {
      if (this.ended) throw new Error(`watch ended (${this.ended}) before ${what}; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.events;
  }

  async waitEnd(timeoutMs = 15_000): Promise<'clean' | 'error'> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`watch did not end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    return this.ended;
  }

  close(): void {
    this.req.destroy();
  }
}

/** Follows `continue` until the list is complete. */
export async function listAll(sim: SimulatedCluster, path: string, limit: number, startAt?: string): Promise<{ items: any[]; pages: any[] }> {
  const items: any[] = [];
  const pages: any[] = [];
  let cont: string | undefined = startAt;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(sim, `${path}${sep}limit=${limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    if (r.status !== 200) throw new Error(`list ${path} answered ${r.status}: ${r.text.slice(0, 300)}`);
    pages.push(r.json);
    items.push(...r.json.items);
    cont = r.json.metadata.continue;
  } while (cont);
  return { items, pages };
}
