import { Environment } from '../../src/config/environment';
import { CONNECTORS } from '../../src/crm/connector-registry';

/** Every variable the service reads, with its default: the environment's and each connector's own. */
export function serviceVariables(): Record<string, unknown> {
  const own = CONNECTORS.flatMap(({ Settings }) => (Settings ? Object.entries(new Settings()) : []));
  return { ...Object.fromEntries(Object.entries(new Environment())), ...Object.fromEntries(own) };
}
