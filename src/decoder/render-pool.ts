/**
 * The decoder's strips over worker threads: strip s goes to worker s mod N, each worker renders
 * one strip at a time, and the strips are yielded in order; at most one strip per worker is
 * rendered ahead of the consumer.
 */
import type { DecodedModel } from '../kinds/index.js';
import { busy, endWorker, startWorker } from '../threads.js';

/** What a render worker is started with (render-worker.ts). */
export interface RenderWorkerData {
  model: DecodedModel;
  width: number;
  height: number;
}

export async function* renderInWorkers(
  model: DecodedModel,
  width: number,
  height: number,
  spans: readonly [number, number][],
  threads: number,
): AsyncGenerator<Uint8Array> {
  const data: RenderWorkerData = { model, width, height };
  const workers = Array.from({ length: Math.min(threads, spans.length) }, () => startWorker(import.meta.url, 'render-worker', data));
  const request = (s: number) => {
    const worker = workers[s % workers.length];
    const reply = busy<Uint8Array>(worker);
    worker.postMessage(spans[s]);
    return reply;
  };
  const ahead = workers.map((_, s) => request(s));
  try {
    for (let s = 0; s < spans.length; s++) {
      const strip = await ahead.shift()!;
      // The worker that rendered strip s is free for strip s + N.
      if (s + workers.length < spans.length) ahead.push(request(s + workers.length));
      yield strip;
    }
  } finally {
    // Replies still pending reject when their worker ends: nobody awaits them.
    for (const reply of ahead) reply.catch(() => undefined);
    await Promise.all(workers.map(endWorker));
  }
}
