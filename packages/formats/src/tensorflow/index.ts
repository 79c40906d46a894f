export { parseGraphDef, parseSavedModel, TF_LIMITS } from './graph.js';
export { parseGraphDefText, TF_TEXT_TOP_LEVEL } from './text.js';
export type {
  TfAnomaly,
  TfAnomalyCode,
  TfAttr,
  TfGraphKind,
  TfGraphModel,
  TfLimits,
  TfNode,
} from './types.js';
