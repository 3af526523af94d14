/** Turns text into unit-length vectors; the one seam between newsq and any embedding model. */
export interface Embedder {
  /** Model id, recorded in every index manifest. */
  readonly model: string;
  /** Weight precision, such as `q8` or `fp32`. */
  readonly dtype: string;
  /**
   * The build of the encoder, where one model id can be built in more than one way (the bundled
   * model, converted by newsq): vectors of two builds are not mixed. Null when the id says it all.
   */
  readonly encoder: string | null;
  readonly dimensions: number;
  /** Longest input in tokens (special tokens included); longer input is truncated. */
  readonly maxTokens: number;
  /** Embeds each text to an L2-normalized vector, in input order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * Embeds passages given as their sentences, in order: each passage as the whole text they make,
   * and, for a passage of several sentences, each sentence by pooling its tokens' states in the
   * context of the whole passage, at no extra model cost. `onBatch` hears how many passages each
   * model batch embedded, for progress.
   */
  embedPassages(passages: string[][], onBatch?: (embedded: number) => void): Promise<EmbeddedText[]>;
  /** How many tokens `text` takes, special tokens included, without truncation. */
  countTokens(text: string): number;
}

/** A text's vector and the vectors of its segments, all unit length. */
export interface EmbeddedText {
  vector: Float32Array;
  segments: Float32Array[];
}
