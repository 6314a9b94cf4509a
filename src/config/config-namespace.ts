import { ConfigFactory, ConfigObject, getConfigToken, registerAs } from '@nestjs/config';
import { EnvironmentWithCrm } from './environment';

/**
 * A typed slice of the configuration, built from the environment validated once at bootstrap.
 * `KEY` is its injection token (the one `registerAs` gives it) and `ConfigType<typeof ns>` its
 * shape, so consumers inject `@Inject(ns.KEY) config: ConfigType<typeof ns>`.
 */
export type ConfigNamespace<T extends ConfigObject> = ((env: EnvironmentWithCrm) => T) & {
  readonly KEY: string;
  readonly namespace: string;
};

export function configNamespace<T extends ConfigObject>(
  namespace: string,
  build: (env: EnvironmentWithCrm) => T,
): ConfigNamespace<T> {
  return Object.assign(build, { KEY: getConfigToken(namespace), namespace });
}

/** The namespace as @nestjs/config loads it, bound to this environment. */
export function loadable<T extends ConfigObject>(ns: ConfigNamespace<T>, env: EnvironmentWithCrm): ConfigFactory {
  return registerAs(ns.namespace, () => ns(env));
}
