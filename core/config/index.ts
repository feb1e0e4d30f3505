// The configuration loader: administrator-written YAML in, a validated Config out, or every
// problem with its file, line and column. The boundary between the rule files and the daemon.
export { defaultConfigFile, isDropInName, loadConfig, type LoadOptions } from './load.js';
export { canonicalJson, parseConfig, type LoadedConfig, type RuleOrigin } from './parse.js';
export { ConfigError, formatProblem, type Problem } from './problems.js';
export type { SourceText } from './yaml-source.js';
