import type { ServerResponse } from 'node:http';

/**
 * Batches small strings into ~64 KiB writes and waits for 'drain', so large lists stream with bounded memory.
 * (Cached JSON stays in strings: measured faster than keeping UTF-8 Buffers, whose external memory makes V8
 * collect more often.)
 */
export class ChunkWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly res: ServerResponse, private readonly chunkSize = 64 * 1024) {}

  /** Resolves immediately unless the socket is backed up. */
  async write(piece: string): Promise<void> {
    this.buffer.push(piece);
    this.size += piece.length;
    if (this.size >= this.chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (this.res.destroyed) throw new Error('client went away');
    if (!this.res.write(data)) await waitForDrain(this.res);
  }
}

export function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => { res.off('drain', done); res.off('close', closed); resolve(); };
    const closed = () => { res.off('drain', done); res.off('close', closed); reject(new Error('client went away')); };
    res.on('drain', done);
    res.on('close', closed);
  });
}
