'use strict';
/**
 * The framework ceiling (docs/benchmarks.md): a minimal Nest-on-Express app, the same framework
 * as the service, with one route whose guard checks the hex HMAC-SHA256 of the raw body
 * (X-Cognigy-Signature, constant-time) and which answers 202. No validation pipe, no store, no
 * logger, no metrics: what any Nest webhook receiver pays before doing its own work.
 * Plain CommonJS (decorators applied with Reflect.decorate), started by the benchmarks as a child:
 *   BENCH_PORT=3999 BENCH_SECRET=s node bench/ceiling-server.js
 */
require('reflect-metadata');
const { createHmac, timingSafeEqual } = require('node:crypto');
const { Controller, Get, HttpCode, Module, Post, Req, UseGuards } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

const secret = process.env.BENCH_SECRET;
const port = Number(process.env.BENCH_PORT);
if (!secret || !Number.isInteger(port)) {
  process.stderr.write('BENCH_SECRET and BENCH_PORT are required\n');
  process.exit(2);
}

class HmacGuard {
  canActivate(context) {
    const req = context.switchToHttp().getRequest();
    const expected = createHmac('sha256', secret).update(req.rawBody ?? '').digest();
    const given = Buffer.from(String(req.headers['x-cognigy-signature'] ?? ''), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

class WebhookController {
  dialogComplete(req) {
    return { status: 'accepted', eventId: String(req.body.conversationId) };
  }

  ready() {
    return { status: 'ok' };
  }
}

function decorateMethod(decorators, name) {
  const descriptor = Object.getOwnPropertyDescriptor(WebhookController.prototype, name);
  Object.defineProperty(
    WebhookController.prototype,
    name,
    Reflect.decorate(decorators, WebhookController.prototype, name, descriptor),
  );
}

Req()(WebhookController.prototype, 'dialogComplete', 0);
decorateMethod([Post('webhooks/cognigy/dialog-complete'), HttpCode(202), UseGuards(HmacGuard)], 'dialogComplete');
decorateMethod([Get('health/ready')], 'ready');
Reflect.decorate([Controller()], WebhookController);

class CeilingModule {}
Reflect.decorate([Module({ controllers: [WebhookController] })], CeilingModule);

async function main() {
  const app = await NestFactory.create(CeilingModule, { rawBody: true, logger: false });
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
