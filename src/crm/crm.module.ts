import { Module } from '@nestjs/common';

/** CRM delivery: built in the delivery issue (token, breaker, worker, admin API). */
@Module({})
export class CrmModule {}
