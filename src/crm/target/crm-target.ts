/** Where deliveries go and how to authenticate there: the configured CRM, or the sandbox. */
export abstract class CrmTarget {
  abstract readonly baseUrl: string;
  abstract readonly tokenUrl?: string;
  abstract readonly clientId?: string;
  abstract readonly clientSecret?: string;
  abstract readonly sandbox: boolean;
}
