/**
 * The serverless.yml loader: find, parse (with source positions and CloudFormation tags), resolve
 * variables, validate and normalize into a typed `ServiceConfig`. Other parts import from here only.
 */
export { CONFIG_FILE_NAMES, findConfigFile, loadService } from './load.js';
export * from './naming.js';
export {
  DEFAULT_MEMORY_SIZE,
  DEFAULT_REGION,
  DEFAULT_RUNTIME,
  DEFAULT_STAGE,
  DEFAULT_TIMEOUT,
} from './normalize.js';
export { REGIONS, RUNTIMES } from './schema.js';
export type * from './types.js';
export { type ParsedYaml, type PositionMap, parseYaml, type SourcePos } from './yaml.js';
