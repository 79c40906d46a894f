/**
 * ONNX models and TensorFlow SavedModel / GraphDef files: protobuf, so they have no magic number.
 * Called for content that is not a pickle; returns undefined when the bytes are neither.
 * (Analyser pending.)
 */
import type { Analysis, ScanState, Target } from './types.js';

export async function detectProtobufModel(_state: ScanState, _t: Target): Promise<Analysis | undefined> {
  return undefined;
}
