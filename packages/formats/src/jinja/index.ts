export { analyseTemplate } from './analyse.js';
export { foldString } from './fold.js';
export {
  JINJA_LIMITS,
  type JinjaLimits,
  type TemplateAccess,
  type TemplateAccessKind,
  type TemplateAnalysis,
} from './types.js';
