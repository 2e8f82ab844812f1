import net from 'node:net';

/**
 * A process's only way to PostgreSQL in a test: a TCP relay that can be cut, as when the server or the network is
 * gone (every open connection reset), and restored on the same port. Once cut, new connections are refused, or with
 * `unanswered` accepted and never answered (a host that has vanished: connects wait for their timeout).
 */
export class DatabaseLink {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private port = 0;
  private unanswered = false;
  private onUnanswered: Array<() => void> = [];

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      this.track(client);
      if (this.unanswered) {
        for (const resolve of this.onUnanswered.splice(0)) resolve();
        return;
      }
      const upstream = net.connect(this.target);
      this.track(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.pipe(upstream).pipe(client);
    });
  }

  /** The same database through the link: `url` with its host and port replaced. */
  static async to(url: string): Promise<{ link: DatabaseLink; url: string }> {
    const u = new URL(url);
    const link = new DatabaseLink({ host: u.hostname, port: Number(u.port || 5432) });
    u.host = await link.open();
    return { link, url: u.toString() };
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  /** Listens (again, on the same port once it has one) and relays; resolves to `127.0.0.1:port`. */
  async open(): Promise<string> {
    this.unanswered = false;
    if (!this.server.listening) await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `127.0.0.1:${this.port}`;
  }

  /** Resets every open connection; new ones are refused, or accepted and left unanswered with `unanswered`. */
  async cut(opts: { unanswered?: boolean } = {}): Promise<void> {
    this.unanswered = opts.unanswered ?? false;
    const closed = this.unanswered || !this.server.listening ? Promise.resolve() : new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Resolves when a connection arrives while the link is cut with `unanswered` (someone is trying to connect). */
  connectionWaiting(): Promise<void> {
    return new Promise((resolve) => this.onUnanswered.push(resolve));
  }

  /** Cuts and stops listening for good. */
  async close(): Promise<void> {
    await this.cut();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }
}
