import { AttemptRecord, StoredEvent } from './stored-event';

/** What a store export holds, line by line (JSON lines, after a header naming the format). */

/** One delivery and its attempts (`target` and `source` absent from an export of the previous release). */
export interface TransferredEvent extends Omit<StoredEvent, 'target' | 'source'> {
  target?: string;
  source?: string;
  history: AttemptRecord[];
}

export interface RecordState {
  /** Absent from an export of the previous release: `default`. */
  target?: string;
  objectType: string;
  externalId: string;
  lastEventTime: number;
}

export type TransferLine = { kind: 'event'; event: TransferredEvent } | { kind: 'record'; record: RecordState };

export const TRANSFER_FORMAT = 'cognigy-crm-sync/store-transfer@1';

export interface TransferCounts {
  queued: number;
  dead: number;
  records: number;
  /** Import only: events whose id the target store holds already (left as they are). */
  skipped: number;
}
