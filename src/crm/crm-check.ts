import { Injectable } from '@nestjs/common';
import { CrmConnector } from './connectors/crm-connector';

/** What `npm run crm:check` found for one mapping. */
export interface MappingCheck {
  object: string;
  idField: string;
  objectExists: boolean;
  /** null when the object's absence (or no answer) left it unknown. */
  idFieldExists: boolean | null;
  detail: string;
}

/** One harmless read per mapping, through the chosen connector (token, breaker and all). */
export abstract class CrmCheck {
  abstract check(object: string, idField: string): Promise<MappingCheck>;
}

@Injectable()
export class ConnectorCheck extends CrmCheck {
  constructor(private readonly connector: CrmConnector) {
    super();
  }

  check(object: string, idField: string): Promise<MappingCheck> {
    return this.connector.check(object, idField);
  }
}
