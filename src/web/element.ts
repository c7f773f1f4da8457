/**
 * <nnimg-img src="photo.nnimg" alt="...">: a .nnimg image rendered at exactly the size it is
 * displayed at (its CSS box times devicePixelRatio), again whenever that size changes, decoded in
 * a Web Worker (nnimg-worker.js, next to this file). A coarse frame comes first, the sharp one
 * after. Bundled as dist/web/element.js (`import 'nnimg/element'` defines the element).
 *
 * Sizing: like <img>, the element is the file's native size in CSS pixels unless styled; with only
 * a width it takes the file's aspect ratio; with both it draws the image contained in the box,
 * aspect ratio kept. A missing or damaged file puts it in its error state: the alt text in the
 * box, a `state="error"` attribute and an `error` event; never an uncaught exception.
 *
 * State: the `state` attribute and property are 'loading', 'coarse' (the coarse frame shows),
 * 'ready' (the sharp frame at the current size shows) or 'error'. Events: `load` after each sharp
 * frame, `error` on failure; `lastFrame` describes the last frame drawn.
 */
import type { RenderRequest, WorkerReply } from './protocol.js';

export type NnimgImgState = 'loading' | 'coarse' | 'ready' | 'error';

export interface FrameInfo {
  /** The frame's size in device pixels. */
  width: number;
  height: number;
  coarse: boolean;
  /** Milliseconds the worker spent on it (the first frame includes the fetch and parse). */
  milliseconds: number;
  /** The renderer: 'wasm', 'generated' or 'reference'. */
  kernel: string;
  /** Where it was decoded: the worker's global scope, 'DedicatedWorkerGlobalScope'. */
  scope: string;
}

const STYLE = `
:host { display: inline-block; position: relative; overflow: hidden; vertical-align: bottom;
  width: var(--nnimg-natural-width, 300px); aspect-ratio: var(--nnimg-aspect-ratio, 2); }
canvas { display: block; width: 100%; height: 100%; object-fit: contain; }
.error { display: none; position: absolute; inset: 0; box-sizing: border-box; padding: 0.5em;
  align-items: center; justify-content: center; text-align: center; overflow: hidden;
  font: 13px/1.3 system-ui, sans-serif; color: #555; background: #f1f1f1; border: 1px solid #ccc; }
:host([state="error"]) canvas { display: none; }
:host([state="error"]) .error { display: flex; }
`;

let worker: Worker | undefined;
let nextElement = 1;
const elements = new Map<number, NnimgImgElement>();

function sharedWorker(): Worker {
  if (!worker) {
    worker = new Worker(NnimgImgElement.workerUrl, { type: 'module', name: 'nnimg decoder' });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => elements.get(event.data.element)?.receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      for (const element of elements.values()) element.fail(`the decoding worker failed: ${event.message || 'it could not start'}`);
    };
  }
  return worker;
}

export class NnimgImgElement extends HTMLElement {
  static observedAttributes = ['src', 'alt'];
  /** Where the decoding worker's script is; by default nnimg-worker.js next to this module. */
  static workerUrl: string | URL = new URL('./nnimg-worker.js', import.meta.url);

  readonly #id = nextElement++;
  readonly #canvas: HTMLCanvasElement;
  readonly #error: HTMLElement;
  #observer: ResizeObserver | undefined;
  #request = 0;
  /** Device-pixel size of the content box. */
  #box = { width: 0, height: 0 };
  #header: { width: number; height: number } | undefined;
  #state: NnimgImgState = 'loading';
  #lastFrame: FrameInfo | undefined;
  #scheduled = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    this.#canvas = document.createElement('canvas');
    this.#canvas.setAttribute('part', 'canvas');
    this.#canvas.width = 0;
    this.#canvas.height = 0;
    this.#error = document.createElement('span');
    this.#error.className = 'error';
    this.#error.setAttribute('part', 'error');
    root.append(style, this.#canvas, this.#error);
  }

  get src(): string {
    return this.getAttribute('src') ?? '';
  }
  set src(value: string) {
    this.setAttribute('src', value);
  }
  get alt(): string {
    return this.getAttribute('alt') ?? '';
  }
  set alt(value: string) {
    this.setAttribute('alt', value);
  }
  get state(): NnimgImgState {
    return this.#state;
  }
  /** The last frame drawn. */
  get lastFrame(): FrameInfo | undefined {
    return this.#lastFrame;
  }
  /** The canvas drawn into (also reachable as the shadow root's `canvas` part). */
  get canvas(): HTMLCanvasElement {
    return this.#canvas;
  }
  /** The file's native size, once known. */
  get naturalWidth(): number {
    return this.#header?.width ?? 0;
  }
  get naturalHeight(): number {
    return this.#header?.height ?? 0;
  }

  connectedCallback(): void {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'img');
    elements.set(this.#id, this);
    this.#observer = new ResizeObserver((entries) => this.#resized(entries[entries.length - 1]));
    try {
      this.#observer.observe(this, { box: 'device-pixel-content-box' });
    } catch {
      this.#observer.observe(this);
    }
  }

  disconnectedCallback(): void {
    this.#observer?.disconnect();
    elements.delete(this.#id);
    this.#request++;
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (name === 'alt') {
      this.#error.textContent = value ?? '';
      this.setAttribute('aria-label', value ?? '');
    } else if (name === 'src' && previous !== value) {
      this.#header = undefined;
      this.#lastFrame = undefined;
      this.style.removeProperty('--nnimg-natural-width');
      this.style.removeProperty('--nnimg-aspect-ratio');
      this.#setState('loading');
      this.#schedule();
    }
  }

  #resized(entry: ResizeObserverEntry | undefined): void {
    if (!entry) return;
    const device = entry.devicePixelContentBoxSize?.[0];
    const css = entry.contentBoxSize?.[0];
    const ratio = window.devicePixelRatio || 1;
    let width = Math.round((css?.inlineSize ?? entry.contentRect.width) * ratio);
    let height = Math.round((css?.blockSize ?? entry.contentRect.height) * ratio);
    // The exact device pixels where the engine gives them (snapped to the pixel grid), unless they
    // disagree with devicePixelRatio (emulated ratios, as in DevTools, leave them in CSS pixels).
    if (device && Math.abs(device.inlineSize - width) <= 1 && Math.abs(device.blockSize - height) <= 1) {
      width = device.inlineSize;
      height = device.blockSize;
    }
    if (width === this.#box.width && height === this.#box.height) return;
    this.#box = { width, height };
    this.#schedule();
  }

  /** Asks for a render at the current size, once per frame however many changes come. */
  #schedule(): void {
    if (this.#scheduled || this.#state === 'error') return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  #send(): void {
    if (!this.isConnected) return;
    const src = this.src;
    if (!src) {
      this.fail('no src');
      return;
    }
    let url: string;
    try {
      url = new URL(src, document.baseURI).href;
    } catch {
      this.fail(`bad src ${src}`);
      return;
    }
    const size = this.#renderSize();
    const request: RenderRequest = { type: 'render', element: this.#id, request: ++this.#request, src: url, ...size, progressive: this.#lastFrame === undefined };
    try {
      sharedWorker().postMessage(request);
    } catch (error) {
      this.fail(`the decoding worker could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The output size: the image contained in the box, in device pixels (0 x 0 before the header). */
  #renderSize(): { width: number; height: number } {
    const { width: boxWidth, height: boxHeight } = this.#box;
    if (!this.#header || boxWidth < 1 || boxHeight < 1) return { width: 0, height: 0 };
    const aspect = this.#header.width / this.#header.height;
    let width = boxWidth;
    let height = boxHeight;
    if (boxWidth / boxHeight > aspect) width = Math.max(1, Math.round(boxHeight * aspect));
    else height = Math.max(1, Math.round(boxWidth / aspect));
    // Within a device pixel of the box (rounding in the aspect ratio): fill it exactly.
    if (Math.abs(width - boxWidth) <= 1 && Math.abs(height - boxHeight) <= 1) return { width: boxWidth, height: boxHeight };
    return { width, height };
  }

  /** @internal A reply from the worker. */
  receive(reply: WorkerReply): void {
    if (reply.request !== this.#request) return;
    if (reply.type === 'error') {
      this.fail(reply.message);
    } else if (reply.type === 'header') {
      const first = !this.#header;
      this.#header = { width: reply.width, height: reply.height };
      if (first) {
        this.style.setProperty('--nnimg-natural-width', `${reply.width}px`);
        this.style.setProperty('--nnimg-aspect-ratio', `${reply.width} / ${reply.height}`);
        // The box as laid out with the file's size: render at it now (the observer only calls
        // when it changes, which a styled box may not).
        const style = getComputedStyle(this);
        const ratio = window.devicePixelRatio || 1;
        const width = Math.round(parseFloat(style.width) * ratio);
        const height = Math.round(parseFloat(style.height) * ratio);
        if (width > 0 && height > 0) this.#box = { width, height };
        this.#schedule();
      }
    } else {
      const context = this.#canvas.getContext('2d');
      if (!context) {
        this.fail('no 2D canvas context');
        return;
      }
      this.#canvas.width = reply.width;
      this.#canvas.height = reply.height;
      context.putImageData(new ImageData(reply.data, reply.width, reply.height), 0, 0);
      const { data: _data, type: _type, element: _element, request: _request, ...info } = reply;
      this.#lastFrame = info;
      this.#setState(reply.coarse ? 'coarse' : 'ready');
      if (!reply.coarse) this.dispatchEvent(new CustomEvent('load', { detail: info }));
    }
  }

  /** @internal Puts the element in its error state. */
  fail(message: string): void {
    this.#request++;
    this.#setState('error');
    this.#error.textContent = this.alt;
    this.#error.title = message;
    this.dispatchEvent(new CustomEvent('error', { detail: { message } }));
  }

  #setState(state: NnimgImgState): void {
    this.#state = state;
    this.setAttribute('state', state);
  }
}

if (!customElements.get('nnimg-img')) customElements.define('nnimg-img', NnimgImgElement);

declare global {
  interface HTMLElementTagNameMap {
    'nnimg-img': NnimgImgElement;
  }
}
