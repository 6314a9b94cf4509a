import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { Response } from 'express';
import { CrmStatus } from '../crm/crm-status';
import { TargetStatus } from '../crm/target-status';
import { LatencyReport } from '../metrics/latency-report';
import { OperatorEvents } from '../queue/operator-events';
import { EVENT_STATES, EventState, StoredEvent, targetOf } from '../queue/stored-event';
import { ApiDocs } from '../shared/api-docs';
import { ADMIN_EXAMPLES, adminRouteDocs } from './admin-api-docs';
import { NotFoundError } from './admin-errors';
import {
  DeadLetterQuery,
  deadLetterFilter,
  DeliveryQuery,
  EventSearchQuery,
  ReplayQuery,
  requireSearchFilter,
} from './admin-queries';
import { AdminTokenGuard } from './admin-token.guard';
import { DeadLetterReplays } from './dead-letter-replays';
import { activityView, deadLetterView, eventDetailView, eventView, routedEventView, routeView } from './event-views';
import { RouteNames } from './route-names';

/** The overview's chart covers this many minutes. */
const STATS_MINUTES = 60;

const SKIPPED_BY_TARGET =
  'Without a target filter, skippedByTarget counts per target not in the routing configuration (removed from ' +
  'ROUTES_FILE) the matching dead letters left dead: nothing would deliver them';

/** Operators' view of dead letters and event status, and the console's overview. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly store: OperatorEvents,
    private readonly crm: CrmStatus,
    private readonly latency: LatencyReport,
    private readonly routes: RouteNames,
    private readonly targets: TargetStatus,
    private readonly replays: DeadLetterReplays,
  ) {}

  /** A list item: with routing, with the source and target of its delivery. */
  private item<V>(view: (delivery: StoredEvent) => V) {
    return (delivery: StoredEvent) =>
      this.routes.routed ? { ...view(delivery), ...routeView(delivery) } : view(delivery);
  }

  @Get('dead-letters')
  @ApiDocs((api) =>
    adminRouteDocs(
      api,
      'Dead letters, newest first, filtered and paged',
      [{ status: 200, description: 'One page', example: ADMIN_EXAMPLES.deadLetters }],
      { validated: true },
    ),
  )
  async deadLetters(@Query() query: DeadLetterQuery) {
    await this.routes.check(query);
    const page = await this.store.listDead(query.limit, query.cursor, deadLetterFilter(query));
    return { items: page.items.map(this.item(deadLetterView)), nextCursor: page.nextCursor };
  }

  /** 202 with what it replayed; with dryRun=true 200 with what it would replay, changing nothing. */
  @Post('dead-letters/replay')
  @ApiDocs((api) =>
    adminRouteDocs(
      api,
      'Replay every dead letter matching the filters (dryRun=true only counts them)',
      [
        {
          status: 200,
          description: `dryRun=true: how many it would replay. ${SKIPPED_BY_TARGET}`,
          example: { wouldReplay: 3 },
        },
        {
          status: 202,
          description: `Replayed: attempts reset to 0, state queued. ${SKIPPED_BY_TARGET}`,
          example: { replayed: 3, skippedByTarget: { desk: 2 } },
        },
      ],
      { validated: true, replays: true },
    ),
  )
  async replayAll(@Query() query: ReplayQuery, @Res() res: Response): Promise<void> {
    // The status depends on dryRun, so this one route answers by itself.
    await this.routes.check(query);
    const dryRun = query.dryRun === 'true';
    const { count, skippedByTarget } = await this.replays.replayMatching(deadLetterFilter(query), dryRun);
    const skipped = skippedByTarget === undefined ? {} : { skippedByTarget };
    if (dryRun) res.status(HttpStatus.OK).json({ wouldReplay: count, ...skipped });
    else res.status(HttpStatus.ACCEPTED).json({ replayed: count, ...skipped });
  }

  @Post('dead-letters/:eventId/replay')
  @HttpCode(202)
  @ApiDocs((api) =>
    adminRouteDocs(
      api,
      'Replay one dead letter (sent with Idempotency-Key cognigy-<eventId>-r<n>)',
      [
        {
          status: 202,
          description:
            'Queued again. Without target: skippedTargets names the targets not in the routing configuration ' +
            '(removed from ROUTES_FILE) whose dead deliveries of the event were left dead',
          example: { eventId: '3f7c9a…', state: 'queued', skippedTargets: ['desk'] },
        },
      ],
      { replays: true },
    ),
  )
  async replay(@Param('eventId') eventId: string, @Query() query: DeliveryQuery) {
    return this.replays.replayEvent(eventId, await this.routes.deliveryTarget('Dead letter', query.target));
  }

  @Delete('dead-letters/:eventId')
  @HttpCode(204)
  @ApiDocs((api) =>
    adminRouteDocs(api, 'Delete one dead letter', [
      { status: 204, description: 'Deleted, its id and body forgotten: the same id or bytes are a new event again' },
    ]),
  )
  async remove(@Param('eventId') eventId: string, @Query() query: DeliveryQuery): Promise<void> {
    const target = await this.routes.deliveryTarget('Dead letter', query.target);
    if (!(await this.store.deleteDead(eventId, target))) throw new NotFoundError('Dead letter');
  }

  @Get('events')
  @ApiDocs((api) =>
    adminRouteDocs(
      api,
      'Search events (at least one filter), newest first',
      [{ status: 200, description: 'One page', example: ADMIN_EXAMPLES.events }],
      { validated: true },
    ),
  )
  async search(@Query() query: EventSearchQuery) {
    requireSearchFilter(query);
    await this.routes.check(query);
    const { conversationId, externalId, state, intent, source, target } = query;
    const filter = { conversationId, externalId, state, intent, source, target };
    const page = await this.store.search(filter, query.limit, query.cursor);
    return { items: page.items.map(this.item(eventView)), nextCursor: page.nextCursor };
  }

  @Get('events/:eventId')
  @ApiDocs((api) =>
    adminRouteDocs(api, 'One event: state, every CRM attempt, the mapped upsert body', [
      { status: 200, description: 'The event', example: ADMIN_EXAMPLES.event },
    ]),
  )
  async event(@Param('eventId') eventId: string, @Query() query: DeliveryQuery) {
    const target = await this.routes.deliveryTarget('Event', query.target);
    if (this.routes.routed && target === undefined) return this.eventWithDeliveries(eventId);
    const event = await this.store.get(eventId, target);
    if (!event) throw new NotFoundError('Event');
    const view = eventDetailView(event, await this.store.attemptsOf(eventId, target));
    return this.routes.routed ? { ...view, ...routeView(event) } : view;
  }

  private async eventWithDeliveries(eventId: string) {
    const deliveries = await this.store.deliveriesOf(eventId);
    if (deliveries.length === 0) throw new NotFoundError('Event');
    const histories = await Promise.all(deliveries.map((d) => this.store.attemptsOf(eventId, targetOf(d))));
    return routedEventView(deliveries, histories);
  }

  /**
   * What the console's source and target filters offer; without ROUTES_FILE `default` alone. Also
   * the removed targets the store holds queued or dead deliveries of, which the target filter takes too.
   */
  @Get('route-names')
  @ApiDocs((api) =>
    adminRouteDocs(api, 'The sources and targets of the routing: the names the source and target filters take', [
      {
        status: 200,
        description:
          'Whether ROUTES_FILE is loaded, and the names; removedTargets: targets it no longer names whose queued ' +
          'or dead deliveries are stored (the target filter and per-delivery routes take them too, replays refuse them)',
        example: ADMIN_EXAMPLES.routeNames,
      },
    ]),
  )
  routeNames() {
    return this.routes.lists();
  }

  @Get('stats')
  @ApiDocs((api) =>
    adminRouteDocs(
      api,
      "The console's overview: states, per-minute activity, oldest queued event, breaker, token, SLA",
      [{ status: 200, description: 'The overview', example: ADMIN_EXAMPLES.stats }],
    ),
  )
  async stats() {
    const now = Date.now();
    const [states, activity] = await Promise.all([this.store.countByState(), this.store.activity(STATS_MINUTES, now)]);
    return {
      states,
      ...activityView(activity, now),
      breaker: this.crm.breakerState(),
      token: this.crm.tokenState(),
      sla: this.latency.report(),
      ...(this.routes.routed ? { targets: await this.targetStats() } : {}),
    };
  }

  /**
   * Per target of the configuration: its deliveries by state (0 for one with none stored), its
   * connector, breaker and token, and its deliveries in flight against its concurrency.
   */
  private async targetStats() {
    const counts = await this.store.countByTarget();
    const zero = Object.fromEntries(EVENT_STATES.map((state) => [state, 0])) as Record<EventState, number>;
    const reports = new Map(this.targets.targets().map((report) => [report.name, report]));
    return Object.fromEntries(
      this.routes.targets.map((target) => {
        const { name: _name, ...report } = reports.get(target) ?? { name: target };
        return [target, { states: { ...zero, ...counts[target] }, ...report }];
      }),
    );
  }
}
