import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { DomainError } from './domain-error';
import { DomainErrorFilter } from './domain-error.filter';
import { ErrorAnswers } from './error-answers';

class TeapotError extends DomainError<'TEAPOT'> {
  readonly code = 'TEAPOT';
  constructor(problems: string[]) {
    super(problems[0], problems);
  }
}

class UnansweredError extends DomainError<'UNANSWERED'> {
  readonly code = 'UNANSWERED';
  constructor() {
    super('nobody answers this');
  }
}

@Injectable()
class TeapotAnswers extends ErrorAnswers<'TEAPOT'> {
  readonly answers = {
    TEAPOT: {
      status: 418,
      error: "I'm a teapot",
      retryAfterSeconds: 7,
      listDetails: true,
      description: 'A teapot',
    },
  };
}

@Injectable()
class OtherTeapotAnswers extends ErrorAnswers<'TEAPOT'> {
  readonly answers = { TEAPOT: { status: 400, description: 'Another teapot' } };
}

@Controller()
class ThrowingController {
  @Get('teapot')
  teapot(): never {
    throw new TeapotError(['first problem', 'second problem']);
  }

  @Get('unanswered')
  unanswered(): never {
    throw new UnansweredError();
  }

  @Get('broken')
  broken(): never {
    throw new Error('broken beyond repair');
  }
}

/** Each table in its own module, as the service's modules hold theirs. */
@Module({ providers: [TeapotAnswers] })
class TeapotModule {}

@Module({ providers: [OtherTeapotAnswers] })
class OtherTeapotModule {}

async function appWith(modules: unknown[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, ...(modules as never[])],
    controllers: [ThrowingController],
    providers: [{ provide: APP_FILTER, useClass: DomainErrorFilter }],
  }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

describe('DomainErrorFilter', () => {
  describe('with one table', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await appWith([TeapotModule]);
      await app.init();
    });
    afterAll(() => app.close());

    it("answers a domain error as its module's ErrorAnswers says", async () => {
      const res = await request(app.getHttpServer()).get('/teapot');
      expect(res.status).toBe(418);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.body).toEqual({
        statusCode: 418,
        message: ['first problem', 'second problem'],
        error: "I'm a teapot",
      });
    });

    it('answers a domain error no module answers with a plain 500', async () => {
      const res = await request(app.getHttpServer()).get('/unanswered');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error' });
    });
  });

  it("logs an unexpected error with the request's own logger, so the line carries its request id", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const app = await appWith([TeapotModule]);
    app.use(pinoHttp({ logger: pino(sink), genReqId: () => 'request-7', quietReqLogger: true, autoLogging: false }));
    await app.init();
    try {
      const res = await request(app.getHttpServer()).get('/broken');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error' });
    } finally {
      await app.close();
    }
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        reqId: 'request-7',
        context: 'HTTP',
        msg: expect.stringContaining('broken beyond repair'),
      }),
    ]);
  });

  it('stops startup when two modules answer the same code, naming the code and both tables', async () => {
    const app = await appWith([TeapotModule, OtherTeapotModule]);
    await expect(app.init()).rejects.toThrow(
      /"TEAPOT".*(TeapotAnswers.*OtherTeapotAnswers|OtherTeapotAnswers.*TeapotAnswers)/,
    );
    await app.close().catch(() => undefined);
  });
});
