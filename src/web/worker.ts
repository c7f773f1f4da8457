/**
 * The <nnimg-img> element's decoding worker (bundled as dist/web/nnimg-worker.js): fetches and
 * parses each file once, then renders it at the sizes asked for, a coarse frame first when asked,
 * skipping requests an element has replaced with a newer one.
 */
import type { ParsedFile } from '../decoder/decode.js';
import { parse, ready, render } from './decoder.js';
import type { RenderRequest, WorkerReply } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<RenderRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as WorkerScope;
const scopeName = globalThis.constructor.name;

/** Parsed files by URL; a file that failed is forgotten, so that it is fetched again next time. */
const files = new Map<string, Promise<ParsedFile>>();
/** The newest request of each element. */
const newest = new Map<number, number>();

function parsed(src: string): Promise<ParsedFile> {
  let file = files.get(src);
  if (!file) {
    file = (async () => {
      const response = await fetch(src);
      if (!response.ok) throw new Error(`${src}: HTTP ${response.status} ${response.statusText}`);
      return parse(new Uint8Array(await response.arrayBuffer()));
    })();
    files.set(src, file);
    file.catch(() => files.delete(src));
  }
  return file;
}

/** Lets queued messages in, then says whether the request is still the element's newest. */
async function current(request: RenderRequest): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return newest.get(request.element) === request.request;
}

async function handle(request: RenderRequest): Promise<void> {
  const { element, request: id } = request;
  const started = performance.now();
  const file = await parsed(request.src);
  await ready();
  const { width, height, channels } = file.header;
  scope.postMessage({ type: 'header', element, request: id, width, height, channels });
  if (request.width < 1 || request.height < 1) return;
  const sizes: { width: number; height: number; coarse: boolean }[] = [];
  if (request.progressive && request.width >= 64 && request.height >= 64) {
    sizes.push({ width: Math.round(request.width / 8), height: Math.round(request.height / 8), coarse: true });
  }
  sizes.push({ width: request.width, height: request.height, coarse: false });
  let from = started;
  for (const size of sizes) {
    if (!(await current(request))) return;
    const image = await render(file, { width: size.width, height: size.height });
    const milliseconds = performance.now() - from;
    from = performance.now();
    scope.postMessage(
      { type: 'frame', element, request: id, width: image.width, height: image.height, data: image.data, coarse: size.coarse, milliseconds, kernel: image.kernel, scope: scopeName },
      [image.data.buffer],
    );
  }
}

scope.onmessage = (event) => {
  const request = event.data;
  newest.set(request.element, Math.max(request.request, newest.get(request.element) ?? 0));
  handle(request).catch((error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    scope.postMessage({ type: 'error', element: request.element, request: request.request, message });
  });
};
