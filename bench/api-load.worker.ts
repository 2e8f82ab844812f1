/**
 * The API benchmark's load generator, in a thread of its own: parsing and checking responses of hundreds of
 * kilobytes must not run on the event loop of the servers being measured (a dashboard is another process).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { SCENARIOS, type Scenario } from './api-scenarios.js';
import { percentile } from './stats.js';

export interface LoadRequest {
  url: string;
  token: string;
  scenario: number;
  concurrency: number;
  seconds: number;
}

export interface Result {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function run({ url, token, concurrency, seconds }: LoadRequest, scenario: Scenario): Promise<Result> {
  const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
  const once = async (): Promise<number> => {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const json = (await res.json()) as { data?: unknown; errors?: Array<{ message: string }> };
    if (res.status !== 200 || json.errors) throw new Error(`benchmark request failed (${res.status}): ${JSON.stringify(json.errors ?? json).slice(0, 300)}`);
    const elapsed = performance.now() - started;
    scenario.check(json.data);
    return elapsed;
  };
  for (let i = 0; i < 3; i++) await once();
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline || latencies.length < concurrency * 3) latencies.push(await once());
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const request = workerData as LoadRequest;
parentPort!.postMessage(await run(request, SCENARIOS[request.scenario]!));
