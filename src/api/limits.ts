/**
 * `nnimg/limits`: the limits nnimg enforces and the errors it throws, when a limit is crossed or
 * an input is bad. Loading it loads neither sharp nor the encoder (only the decoder's parser, where
 * NnimgDecodeError is defined), so code that must classify a failure or state a limit before it
 * knows whether it will encode or decode (the command line at start-up) can take it alone.
 * `nnimg`, `nnimg/decode` and `nnimg/encode` re-export all of it.
 */
export { ImageInputError, DEFAULT_MAX_INPUT_PIXELS, type ImageInputErrorCode } from '../image/formats.js';
export { BudgetError, EncodeCancelledError } from '../encoder/types.js';
export {
  NnimgFormatError,
  FORMAT_VERSION,
  MAX_DIMENSION,
  MAX_PIXELS,
  MAX_HIDDEN_LAYERS,
  MAX_HIDDEN_WIDTH,
  type FormatErrorCode,
} from '../format/container.js';
export { NnimgDecodeError, MAX_OUTPUT_SIDE, DEFAULT_MAX_DECODE_PIXELS, type DecodeErrorCode, type DecodeLimits } from '../decoder/decode.js';
// The most threads an encode or a decode uses: a larger `threads` option throws RangeError.
export { MAX_THREADS } from '../threads.js';
