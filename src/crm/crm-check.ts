import { Injectable } from '@nestjs/common';
import { CrmConnector } from './connectors/crm-connector';
import { CheckedMapping, MappingCheck } from './connectors/mapping-check';

/** One harmless read per mapping, through the chosen connector (token, breaker and all). */
export abstract class CrmCheck {
  abstract check(mapping: CheckedMapping): Promise<MappingCheck>;
}

@Injectable()
export class ConnectorCheck extends CrmCheck {
  constructor(private readonly connector: CrmConnector) {
    super();
  }

  check(mapping: CheckedMapping): Promise<MappingCheck> {
    return this.connector.check(mapping);
  }
}
