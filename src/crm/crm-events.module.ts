import { Module } from '@nestjs/common';
import { CrmEvents } from './crm-events';

@Module({ providers: [CrmEvents], exports: [CrmEvents] })
export class CrmEventsModule {}
