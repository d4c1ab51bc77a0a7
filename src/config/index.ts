/**
 * The serverless.yml loader: find, parse (with source positions and CloudFormation tags), resolve
 * variables, validate and normalize into a typed `ServiceConfig`. Other parts import from here only.
 */
export { findConfigFile, loadService } from './load.js';
export * from './naming.js';
export type * from './types.js';
