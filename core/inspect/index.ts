// Content inspection of untrusted bytes from a source level: what they are (from the bytes, never
// from a name), whether a name contradicts them, and which types rules may name.
export { detectType, detectFileType, FILE_HEAD_BYTES } from './detect.js';
export type { DetectedType, DetectedFileType, DetectOptions } from './detect.js';
export { extensionMismatch, extensionOf } from './mismatch.js';
export {
  TextValidator,
  checkText,
  firstInvalidUtf8,
  looksLikeHtml,
  controlBudget,
} from './text.js';
export type { TextProblem, TextVerdict } from './text.js';
export {
  knownTypes,
  isKnownType,
  isKnownTypePattern,
  mimeMatches,
  normaliseMime,
} from './types.js';
