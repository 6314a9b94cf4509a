import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { OperatorEvents } from '../queue/operator-events';
import { NotFoundError } from '../shared/domain-error';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLetterQuery, deadLetterView, eventView, ReplayQuery } from './admin.dto';

/** Operators' view of dead letters and event status (SPEC §4.5). */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly store: OperatorEvents) {}

  @Get('dead-letters')
  async deadLetters(@Query() query: DeadLetterQuery) {
    const page = await this.store.listDead(query.limit, query.cursor);
    return { items: page.items.map(deadLetterView), nextCursor: page.nextCursor };
  }

  @Post('dead-letters/replay')
  @HttpCode(202)
  async replayAll(@Query() query: ReplayQuery) {
    return { replayed: await this.store.replayAllDead(query.intent) };
  }

  @Post('dead-letters/:eventId/replay')
  @HttpCode(202)
  async replay(@Param('eventId') eventId: string) {
    if (!(await this.store.replayDead(eventId))) throw new NotFoundError('Dead letter');
    return { eventId, state: 'queued' };
  }

  @Delete('dead-letters/:eventId')
  @HttpCode(204)
  async remove(@Param('eventId') eventId: string): Promise<void> {
    if (!(await this.store.deleteDead(eventId))) throw new NotFoundError('Dead letter');
  }

  @Get('events/:eventId')
  async event(@Param('eventId') eventId: string) {
    const event = await this.store.get(eventId);
    if (!event) throw new NotFoundError('Event');
    return eventView(event);
  }
}
