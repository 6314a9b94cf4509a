import { Injectable } from '@nestjs/common';
import { DomainError } from '../shared/domain-error';
import { ErrorAnswers } from '../shared/error-answers';

type AdminErrorCode = 'ADMIN_UNAUTHORIZED' | 'NOT_FOUND';

export class AdminUnauthorizedError extends DomainError<AdminErrorCode> {
  readonly code = 'ADMIN_UNAUTHORIZED';
  constructor() {
    super('Unauthorized');
  }
}

export class NotFoundError extends DomainError<AdminErrorCode> {
  readonly code = 'NOT_FOUND';
  constructor(what: string, message = `${what} not found`) {
    super(message);
  }

  /** Worded like Nest's own 404, so a disabled route cannot be told from a missing one. */
  static route(method: string, path: string): NotFoundError {
    return new NotFoundError('Route', `Cannot ${method} ${path}`);
  }
}

/** A `source` or `target` filter naming no source or target of the routing configuration (nor a removed target). */
export class UnknownRouteNameError extends DomainError<'UNKNOWN_ROUTE_NAME'> {
  readonly code = 'UNKNOWN_ROUTE_NAME';
  constructor(problems: string[]) {
    super(problems[0], problems);
  }
}

/**
 * A replay of dead letters of a target the configuration does not name (removed from ROUTES_FILE):
 * no runtime would claim a replayed delivery, which would then wait queued for good.
 */
export class RemovedTargetReplayError extends DomainError<'REMOVED_TARGET_REPLAY'> {
  readonly code = 'REMOVED_TARGET_REPLAY';
  constructor(targets: readonly string[]) {
    const one = targets.length === 1;
    const [it, name] = one ? ['it', targets[0]] : ['them', '<name>'];
    super(
      `Dead letters of ${one ? 'target' : 'targets'} ${targets.join(', ')} not replayed: ROUTES_FILE does not ` +
        `name ${it}, so nothing would deliver them. Name ${it} in ROUTES_FILE again and restart first, or ` +
        `delete the dead letters: DELETE /admin/dead-letters/<eventId>?target=${name}`,
    );
  }
}

@Injectable()
export class AdminErrorAnswers extends ErrorAnswers<AdminErrorCode> {
  readonly answers = {
    ADMIN_UNAUTHORIZED: { status: 401, description: 'Missing or wrong bearer token' },
    NOT_FOUND: {
      status: 404,
      error: 'Not Found',
      description: 'Not found; every /admin and /console route answers 404 while ADMIN_TOKEN is unset',
    },
  };
}

/** The filters' answer, documented on the routes that take `source` and `target` filters. */
@Injectable()
export class RouteFilterErrorAnswers extends ErrorAnswers<'UNKNOWN_ROUTE_NAME'> {
  readonly answers = {
    UNKNOWN_ROUTE_NAME: {
      status: 400,
      error: 'Bad Request',
      description:
        'A source or target filter names no source or target of the routing configuration (nor, for target, ' +
        'a removed target whose queued or dead deliveries are stored)',
      listDetails: true,
    },
  };
}

/** The replay routes' refusal of a removed target, documented on them. */
@Injectable()
export class RemovedTargetReplayAnswers extends ErrorAnswers<'REMOVED_TARGET_REPLAY'> {
  readonly answers = {
    REMOVED_TARGET_REPLAY: {
      status: 409,
      error: 'Conflict',
      description:
        'The target is not in the routing configuration (removed from ROUTES_FILE): nothing would deliver ' +
        'its replayed dead letters. Name it in ROUTES_FILE again first, or delete them',
    },
  };
}
