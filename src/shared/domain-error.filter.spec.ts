import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
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
  readonly answers = { TEAPOT: { status: 418, error: "I'm a teapot", retryAfterSeconds: 7, listDetails: true } };
}

@Injectable()
class OtherTeapotAnswers extends ErrorAnswers<'TEAPOT'> {
  readonly answers = { TEAPOT: { status: 400 } };
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

  it('stops startup when two modules answer the same code, naming the code and both tables', async () => {
    const app = await appWith([TeapotModule, OtherTeapotModule]);
    await expect(app.init()).rejects.toThrow(
      /"TEAPOT".*(TeapotAnswers.*OtherTeapotAnswers|OtherTeapotAnswers.*TeapotAnswers)/,
    );
    await app.close().catch(() => undefined);
  });
});
