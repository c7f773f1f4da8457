/** A distortion worker (distortion-pool.ts): computes the bands it claims for every pass it is asked for. */
import { parentPort, workerData } from 'node:worker_threads';
import { distortionKernel } from '../synthesis/distortion-kernel.js';
import { BandComputer, BandLayout } from './distortion-bands.js';
import { DistortionWorkerData, computeClaimedBands, partialViews, sharedViews } from './distortion-pool.js';
import { errorReply } from '../threads.js';

const { kernel, pass: fixed, stride, shared } = workerData as DistortionWorkerData;
const { nextBand, ...arrays } = sharedViews(shared);
// The band computer sums into its own gradient arrays; the pass's are not used in a worker.
const unused = new Float64Array(0);
const pass = { ...fixed, ...arrays, latentGrad: unused, weightGrad: unused, biasGrad: unused };
const computer = new BandComputer(pass, distortionKernel([...fixed.widths], kernel), stride);
const partials = partialViews(shared.partials, new BandLayout(pass, stride));

parentPort!.on('message', (sampleCount: number) => {
  try {
    computeClaimedBands(computer, nextBand, partials, sampleCount);
    parentPort!.postMessage('done');
  } catch (error) {
    parentPort!.postMessage(errorReply(error));
  }
});
