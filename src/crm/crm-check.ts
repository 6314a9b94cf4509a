import { Injectable } from '@nestjs/common';
import { CheckedMapping, MappingCheck } from './connectors/mapping-check';
import { TargetRuntimes } from './target-runtimes';

/** A target crm:check was asked about that the routing does not hold. */
export class UnknownTargetError extends Error {
  constructor(target: string, known: string[]) {
    super(`no CRM target "${target}" (targets: ${known.join(', ')})`);
    this.name = 'UnknownTargetError';
  }
}

/** One harmless read per mapping, through the connector of the target it is for (token, breaker and all). */
export abstract class CrmCheck {
  /** Throws UnknownTargetError for a target the routing does not hold (`default` without ROUTES_FILE). */
  abstract check(target: string, mapping: CheckedMapping): Promise<MappingCheck>;
}

@Injectable()
export class ConnectorCheck extends CrmCheck {
  constructor(private readonly runtimes: TargetRuntimes) {
    super();
  }

  check(target: string, mapping: CheckedMapping): Promise<MappingCheck> {
    const runtime = this.runtimes.all.find(({ name }) => name === target);
    if (!runtime)
      throw new UnknownTargetError(
        target,
        this.runtimes.all.map(({ name }) => name),
      );
    return runtime.connector.check(mapping);
  }
}
