import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Request } from 'express';
import { appConfig } from '../config/app.config';
import { bearerMatches } from '../shared/bearer';
import { AdminUnauthorizedError, NotFoundError } from './admin-errors';

/** `/admin` exists only with ADMIN_TOKEN set (else 404), and wants it as a bearer token (else 401). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminToken;
    const req = context.switchToHttp().getRequest<Request>();
    if (!expected) throw NotFoundError.route(req.method, req.originalUrl.split('?')[0]);
    if (!bearerMatches(req.headers.authorization, expected)) throw new AdminUnauthorizedError();
    return true;
  }
}
