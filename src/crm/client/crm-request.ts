/** One HTTP request to the CRM API, before the token is added. */
export interface CrmRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Below the API base: CRM_BASE_URL, or the base the token answer named (e.g. an instance URL). */
  path: string;
  headers: Record<string, string>;
  /** Sent as is (already serialised). */
  data?: string;
}
