import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { Response } from 'express';
import { CrmStatus } from '../crm/crm-status';
import { LatencyReport } from '../metrics/latency-report';
import { OperatorEvents } from '../queue/operator-events';
import { NotFoundError } from './admin-errors';
import { DeadLetterQuery, deadLetterFilter, EventSearchQuery, ReplayQuery } from './admin-queries';
import { AdminTokenGuard } from './admin-token.guard';
import { activityView, deadLetterView, eventDetailView, eventView } from './event-views';

/** The overview's chart covers this many minutes. */
const STATS_MINUTES = 60;

/** Operators' view of dead letters and event status, and the console's overview. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly store: OperatorEvents,
    private readonly crm: CrmStatus,
    private readonly latency: LatencyReport,
  ) {}

  @Get('dead-letters')
  async deadLetters(@Query() query: DeadLetterQuery) {
    const page = await this.store.listDead(query.limit, query.cursor, deadLetterFilter(query));
    return { items: page.items.map(deadLetterView), nextCursor: page.nextCursor };
  }

  /** 202 with what it replayed; with dryRun=true 200 with what it would replay, changing nothing. */
  @Post('dead-letters/replay')
  async replayAll(@Query() query: ReplayQuery, @Res() res: Response): Promise<void> {
    // The status depends on dryRun, so this one route answers by itself.
    const filter = deadLetterFilter(query);
    if (query.dryRun === 'true') {
      res.status(HttpStatus.OK).json({ wouldReplay: await this.store.countDead(filter) });
      return;
    }
    res.status(HttpStatus.ACCEPTED).json({ replayed: await this.store.replayAllDead(filter) });
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

  @Get('events')
  async search(@Query() query: EventSearchQuery) {
    const { conversationId, externalId, state, intent } = query;
    const page = await this.store.search({ conversationId, externalId, state, intent }, query.limit, query.cursor);
    return { items: page.items.map(eventView), nextCursor: page.nextCursor };
  }

  @Get('events/:eventId')
  async event(@Param('eventId') eventId: string) {
    const event = await this.store.get(eventId);
    if (!event) throw new NotFoundError('Event');
    return eventDetailView(event, await this.store.attemptsOf(eventId));
  }

  @Get('stats')
  async stats() {
    const now = Date.now();
    const [states, activity] = await Promise.all([this.store.countByState(), this.store.activity(STATS_MINUTES, now)]);
    return {
      states,
      ...activityView(activity, now),
      breaker: this.crm.breakerState(),
      token: this.crm.tokenState(),
      sla: this.latency.report(),
    };
  }
}
