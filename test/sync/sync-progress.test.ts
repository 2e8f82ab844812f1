import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SyncProgress } from '../../src/sync/sync-progress.js';

function capture(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  (stream as { isTTY?: boolean }).isTTY = tty;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('initial sync progress', () => {
  it('draws a bar on a terminal and ends the line when done', async () => {
    const out = capture(true);
    const logs = capture(false);
    const progress = new SyncProgress('prod', pino(logs.stream), 0, out.stream);
    progress.update('pods', 500, 2000);
    await new Promise((r) => setTimeout(r, 120));
    progress.update('pods', 1000, 2000);
    progress.kindDone('nodes');
    progress.finish(1234);
    expect(out.text()).toContain('prod [');
    expect(out.text()).toMatch(/500\/2000 objects listed/);
    expect(out.text().endsWith('\n')).toBe(true);
    const finished = logs.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(finished).toEqual([expect.objectContaining({ msg: 'initial sync committed', cluster: 'prod', elapsedMs: 1234 })]);
  });

  it('writes log lines, not a bar, when stdout is not a terminal', async () => {
    const out = capture(false);
    const logs = capture(false);
    const progress = new SyncProgress('prod', pino(logs.stream), 0, out.stream);
    progress.update('pods', 500, 2000);
    progress.update('pods', 2000, 2000);
    progress.finish(10);
    expect(out.text()).toBe('');
    const lines = logs.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['initial sync in progress', 'initial sync in progress', 'initial sync committed']);
    expect(lines[1]).toMatchObject({ listed: 2000, total: 2000 });
  });
});
