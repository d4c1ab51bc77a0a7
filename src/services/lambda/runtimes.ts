/**
 * Deploy-time runtime checks: a runtime version the machine lacks runs on the installed interpreter
 * with a one-line warning, never a refusal; a runtime family Selfless cannot run is a deploy error.
 */
import { isSelflessError, SelflessError } from '../../platform/errors.js';
import { javaAvailable } from './runtime/java.js';
import {
  installedJavaMajor,
  installedPythonVersion,
  isRuntimeNativelyAvailable,
  runtimeFamily,
} from './runtime/runtimes.js';

/** Returns a one-line warning when the runtime runs on a different installed version; throws when it cannot run. */
export function checkRuntime(functionKey: string, runtime: string): string | undefined {
  let family: ReturnType<typeof runtimeFamily>;
  try {
    family = runtimeFamily(runtime);
  } catch (e) {
    if (!isSelflessError(e)) throw e;
    throw new SelflessError(
      'UNSUPPORTED_RUNTIME',
      `Function ${functionKey} uses the runtime ${runtime}, which Selfless cannot run.`,
      {
        where: `functions.${functionKey}.runtime`,
        hint: e.hint,
      },
    );
  }
  if (family === 'java') {
    if (!javaAvailable())
      throw new SelflessError(
        'RUNTIME_UNAVAILABLE',
        `Function ${functionKey} uses ${runtime}, but this machine has no JDK (java and javac).`,
        {
          where: `functions.${functionKey}.runtime`,
          hint: 'Install one (apt-get install default-jdk-headless) or set JAVA_HOME, and deploy again.',
        },
      );
    if (isRuntimeNativelyAvailable(runtime)) return undefined;
    return `Function ${functionKey} uses ${runtime}; it runs on the installed Java ${installedJavaMajor() ?? '(unknown version)'}.`;
  }
  if (isRuntimeNativelyAvailable(runtime)) return undefined;
  if (family === 'node')
    return `Function ${functionKey} uses ${runtime}; it runs on the installed node ${process.versions.node}.`;
  const python = installedPythonVersion();
  if (!python)
    throw new SelflessError(
      'RUNTIME_UNAVAILABLE',
      `Function ${functionKey} uses ${runtime}, but /usr/bin/python3 is missing.`,
      {
        where: `functions.${functionKey}.runtime`,
        hint: 'Install python3 (apt-get install python3) and deploy again.',
      },
    );
  return `Function ${functionKey} uses ${runtime}; it runs on the installed python ${python}.`;
}
