/** The execution-environment layer of the Lambda engine: what the Lambda service builds on. */
export type { ChannelMode } from './environment.js';
export { MAX_SYNC_PAYLOAD_BYTES } from './limits.js';
export { type InvokeOnceOptions, invokeOnce } from './local.js';
export {
  ProcessEnvironmentManager,
  type ProcessEnvironmentManagerOptions,
  poolable,
  resolveChannel,
} from './manager.js';
export { isRuntimeNativelyAvailable, type RuntimeFamily, runtimeFamily } from './runtimes.js';
export type * from './types.js';
