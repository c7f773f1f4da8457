/** Messages between the <nnimg-img> element (element.ts) and its decoding worker (worker.ts). */

export interface RenderRequest {
  type: 'render';
  /** One element's requests: a newer one makes the older ones stale. */
  element: number;
  request: number;
  /** The file's absolute URL. */
  src: string;
  /** Output size in device pixels; 0 x 0 asks for the header only. */
  width: number;
  height: number;
  /** Render a coarse frame first (an eighth of the size), then the sharp one. */
  progressive: boolean;
}

export type WorkerReply =
  | { type: 'header'; element: number; request: number; width: number; height: number; channels: number }
  | {
      type: 'frame';
      element: number;
      request: number;
      width: number;
      height: number;
      /** RGBA. */
      data: Uint8ClampedArray<ArrayBuffer>;
      coarse: boolean;
      /** Milliseconds this frame's render took (and the fetch and parse, for the first one). */
      milliseconds: number;
      kernel: string;
      /** The global scope's constructor name where the frame was rendered. */
      scope: string;
    }
  | { type: 'error'; element: number; request: number; message: string };
