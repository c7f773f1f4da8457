/** The shape of spec/vectors/vectors.json, shared by the vector writer and the vector test. */
export interface VectorEntry {
  file: string;
  /** Output size decoded. */
  width: number;
  height: number;
  channels: number;
  /** SHA-256 (hex) of the decoded samples: 8-bit, channels interleaved, rows top to bottom. */
  sha256: string;
  note: string;
}

export interface VectorManifest {
  format: string;
  version: number;
  vectors: VectorEntry[];
}
