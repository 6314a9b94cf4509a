import { AttemptRecord, StoredEvent } from './stored-event';

/** What a store export holds, line by line (JSON lines, after a header naming the format). */

export interface TransferredEvent extends StoredEvent {
  history: AttemptRecord[];
}

export interface RecordState {
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
