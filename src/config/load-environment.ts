import { validateEnvironment, Environment } from './environment';

/**
 * The one place the process environment is read. Each config namespace calls it from its
 * factory, i.e. when the Nest container is built, never at import time.
 */
export function loadEnvironment(): Environment {
  return validateEnvironment(process.env);
}
