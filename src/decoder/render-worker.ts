/** A render worker (render-pool.ts): renders the strips of rows it is asked for. */
import { parentPort, workerData } from 'node:worker_threads';
import { modelRenderer } from '../kinds/index.js';
import { RenderWorkerData } from './render-pool.js';
import { errorReply } from '../threads.js';

const { model, width, height } = workerData as RenderWorkerData;
const renderer = modelRenderer(model, width, height);

parentPort!.on('message', ([y, count]: [number, number]) => {
  try {
    const strip = new Uint8Array(count * width * model.channels);
    renderer.renderRows(y, count, strip);
    parentPort!.postMessage(strip, [strip.buffer]);
  } catch (error) {
    parentPort!.postMessage(errorReply(error));
  }
});
