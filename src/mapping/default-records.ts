import { CrmUpsert } from '../shared/dialog-completed-event';
import { ChangeRendering, RecordTarget } from './change-rendering';
import { isLogicalObject, LOGICAL_FIELDS, LogicalField, LogicalObject, RecordChange } from './record-change';
import { bindValue, UpsertTarget, upsertTo } from './upsert-body';

/**
 * Where a CRM field of a default record gets its value: a logical field of the change, the
 * change's external id (a name a new record must have), a fixed value (the record's origin, a
 * ticket pipeline), or a lookup to another record by its key (an OData `@odata.bind`).
 */
export type ChangeSource<F extends string> =
  { field: F } | { externalId: true } | { literal: string } | { bind: { entitySet: string; key: string; field: F } };

/** Where a connector writes one logical record: a target and each CRM field's source, in the order sent. */
export type DefaultRecord<O extends LogicalObject> = UpsertTarget & {
  fields: Record<string, ChangeSource<LogicalField<O>>>;
  /** Logical fields this CRM does not write, each with the reason (docs/connectors.md says it too). */
  unwritten?: Partial<Record<LogicalField<O>, string>>;
};

/** A connector's default records: one for each logical record, so every strategy works with it. */
export type DefaultRecords = { [O in LogicalObject]: DefaultRecord<O> };

const readBy = (source: ChangeSource<string>): string | undefined =>
  'field' in source ? source.field : 'bind' in source ? source.bind.field : undefined;

/** Every way `records` fail to place each logical field exactly once: written, or unwritten with a reason. */
function problemsOf(records: DefaultRecords): string[] {
  return (Object.keys(LOGICAL_FIELDS) as LogicalObject[]).flatMap((objectType) => {
    const record: DefaultRecord<LogicalObject> = records[objectType];
    const read = new Set(Object.values(record.fields).map(readBy));
    const unwritten = Object.keys(record.unwritten ?? {});
    const problems = LOGICAL_FIELDS[objectType].flatMap((field) =>
      read.has(field) === unwritten.includes(field)
        ? [
            `${objectType}.${field}: ${read.has(field) ? 'both written and unwritten' : 'neither written nor unwritten'}`,
          ]
        : [],
    );
    if ('idField' in record && Object.hasOwn(record.fields, record.idField)) {
      problems.push(`${objectType}.fields: ${record.idField} is the id field, which the connector places itself`);
    }
    return problems;
  });
}

/**
 * A connector's rendering from a table of default records (its folder's `<name>.records.ts`): each
 * CRM field takes its source's value in the table's order; an absent value is left out.
 */
export class DefaultRecordRendering extends ChangeRendering {
  constructor(private readonly records: DefaultRecords) {
    super();
    const problems = problemsOf(records);
    if (problems.length > 0) throw new Error(`Default records: ${problems.join('; ')}`);
  }

  render(change: RecordChange): CrmUpsert {
    const { intent, objectType, externalId } = change;
    if (!isLogicalObject(objectType)) throw new Error(`a strategy made a change of "${String(objectType)}"`);
    const fields: Partial<Record<string, string>> = change.fields;
    const known: readonly string[] = LOGICAL_FIELDS[objectType];
    const unknown = Object.keys(fields).filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new Error(`a ${objectType} change has no field ${unknown.join(', ')} (its fields: ${known.join(', ')})`);
    }
    const record: DefaultRecord<LogicalObject> = this.records[objectType];
    const value = (source: ChangeSource<string>): string | undefined => {
      if ('field' in source) return fields[source.field];
      if ('literal' in source) return source.literal;
      if ('bind' in source) return bindValue(source.bind.entitySet, source.bind.key, fields[source.bind.field]);
      return externalId;
    };
    const values = Object.entries(record.fields).map(([name, source]): [string, unknown] => [name, value(source)]);
    return upsertTo(record, { intent, objectType, externalId }, values);
  }

  targetOf(objectType: LogicalObject): RecordTarget | undefined {
    const record: DefaultRecord<LogicalObject> = this.records[objectType];
    if (!('idField' in record)) return undefined;
    const binds = Object.entries(record.fields).flatMap(([field, source]) =>
      'bind' in source ? [{ field, entitySet: source.bind.entitySet, key: source.bind.key }] : [],
    );
    return { object: record.object, idField: record.idField, fields: Object.keys(record.fields), binds };
  }
}
