import { CrmResult } from '../client/crm-client';

/** A read that got no answer: the token refused, the network, a timeout, the breaker open. */
export type Unanswered = Exclude<CrmResult, { kind: 'response' }>;

/** What `npm run crm:check` asks about one mapping. */
export interface CheckedMapping {
  object: string;
  idField: string;
  /** The field names the mapping writes (`/` nests, as in `user_fields/<key>`). */
  fields: string[];
  /** Fields that name another record by its key (an OData `@odata.bind`): that table must have the key. */
  binds?: Array<{ field: string; entitySet: string; key: string }>;
}

/** What `npm run crm:check` found for one mapping. */
export interface MappingCheck {
  object: string;
  idField: string;
  objectExists: boolean;
  /** null when the object's absence (or no answer) left it unknown. */
  idFieldExists: boolean | null;
  /** Written fields the CRM does not know, where its read tells (custom user fields, bound tables); else empty. */
  missingFields: string[];
  detail: string;
}

/** Why the CRM gave no answer to read: the token refused, the network, a timeout, the breaker open. */
export const whyUnanswered = (result: Unanswered) =>
  `no answer (${'message' in result ? `${result.kind}: ${result.message}` : result.kind})`;

/** Nothing could be learnt about the mapping, for the reason `detail` gives. */
export function unknownMapping({ object, idField }: CheckedMapping, detail: string): MappingCheck {
  return { object, idField, objectExists: false, idFieldExists: null, missingFields: [], detail };
}

/** No answer to read: nothing is known about the mapping. */
export const unanswered = (mapping: CheckedMapping, result: Unanswered) =>
  unknownMapping(mapping, whyUnanswered(result));
