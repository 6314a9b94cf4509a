import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { IntentMapper } from './intent-mapper';
import { LogSupportTicketStrategy } from './log-support-ticket.strategy';
import { MappingErrorAnswers } from './mapping-errors';
import { MappingRegistry } from './mapping-registry';
import { RouteMapper } from './route-mapper';
import { RouteMappings } from './route-mappings';
import { UpdateCustomerProfileStrategy } from './update-customer-profile.strategy';

@Module({
  imports: [DiscoveryModule],
  providers: [
    UpdateCustomerProfileStrategy,
    LogSupportTicketStrategy,
    MappingErrorAnswers,
    { provide: IntentMapper, useClass: MappingRegistry },
    { provide: RouteMapper, useClass: RouteMappings },
  ],
  exports: [IntentMapper, RouteMapper],
})
export class MappingModule {}
