import { CrmUpsert } from '../shared/dialog-completed-event';

/**
 * The record key of an external id the CRM matches case-insensitively: `C-1` and `c-1` give one
 * key. Lower case, whatever the locale.
 */
export const caseFolded = (externalId: string): string => externalId.toLowerCase();

/**
 * What the chosen CRM connector asks of each MAPPINGS_FILE entry, and the record key of what they map. Mapping checks what every entry
 * has (intent, objectType, idEntity, fields and their sources); the connector checks the keys that
 * name its target (`path`, or `object` and `idField`) and the `bind` sources only some CRMs read.
 * The composition root provides the chosen connector's rules (the Crm module's registry).
 */
export abstract class MappingRules {
  /** Its CRM_CONNECTOR value, for messages. */
  abstract readonly connector: string;
  /** Entries name a request path; otherwise a CRM object and id field. */
  abstract readonly mapsToPaths: boolean;

  /** The problems of an entry's target keys, each starting with `where` (e.g. `mappings[0] (x).object: ...`). */
  abstract targetProblems(where: string, entry: Readonly<Record<string, unknown>>): string[];

  /**
   * The per-record order key of an upsert this connector sends: its external id, unless the CRM
   * matches ids case-insensitively (then `C-1` and `c-1` are one record and must not be delivered
   * side by side): the connector folds the case.
   */
  recordKey(upsert: CrmUpsert): string {
    return upsert.externalId;
  }

  /**
   * The problems of a `bind` source (a lookup set by another record's key) in `field`; `where` names
   * the field. A CRM without such lookups refuses it.
   */
  bindProblems(where: string, _field: string, _bind: unknown): string[] {
    return [`${where}.bind: not with CRM_CONNECTOR=${this.connector}, which has no lookups by key`];
  }
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const RECORD_KEYS = ['object', 'idField'];

/** A connector whose entries name a request path (starting with "/"), never a CRM object. */
export class PathTargetRules extends MappingRules {
  readonly mapsToPaths = true;

  constructor(readonly connector: string) {
    super();
  }

  targetProblems(where: string, entry: Readonly<Record<string, unknown>>): string[] {
    const problems: string[] = [];
    if (typeof entry.path !== 'string' || !entry.path.startsWith('/')) {
      problems.push(`${where}.path: must be a string starting with "/"`);
    }
    for (const key of RECORD_KEYS.filter((k) => k in entry)) {
      problems.push(`${where}.${key}: not used with CRM_CONNECTOR=${this.connector}, which takes a path`);
    }
    return problems;
  }
}

/** A connector whose entries name the CRM object and the field holding the external id, never a path. */
export class RecordTargetRules extends MappingRules {
  readonly mapsToPaths = false;

  constructor(readonly connector: string) {
    super();
  }

  targetProblems(where: string, entry: Readonly<Record<string, unknown>>): string[] {
    const problems: string[] = [];
    if ('path' in entry) {
      problems.push(`${where}.path: not used with CRM_CONNECTOR=${this.connector}; name the object and idField`);
    }
    for (const key of RECORD_KEYS.filter((k) => !isName(entry[k]))) {
      problems.push(`${where}.${key}: required with CRM_CONNECTOR=${this.connector}`);
    }
    return problems;
  }
}
