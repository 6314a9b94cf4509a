import { Controller, Get, Inject, OnModuleInit, Param, Req, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Request, Response } from 'express';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { appConfig } from '../config/app.config';
import { ApiDocs, SwaggerApi } from '../shared/api-docs';
import { errorResponses } from '../shared/error-answer-docs';
import { pageSecurityHeaders } from '../shared/security-headers';
import { AdminErrorAnswers, NotFoundError } from './admin-errors';

/** The page's files, copied next to this one by `npm run build` (nest-cli.json assets). */
const ASSETS_DIR = join(__dirname, 'console');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts and styles only from this origin (no inline script, no eval), data only from the admin
 * API, no framing, no plugins: entity values shown by the page can never run as code.
 */
const SECURITY_HEADERS = pageSecurityHeaders([
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
]);

/** A console route: 200 with the file (`types` its content types), or 404 (also with ADMIN_TOKEN unset). */
const consoleDocs = (api: SwaggerApi, summary: string, types: string[]) => [
  api.ApiTags('console'),
  api.ApiOperation({ summary }),
  api.ApiResponse({
    status: 200,
    description: 'The file, with a Content-Security-Policy that forbids inline script',
    content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string' } }])),
  }),
  ...errorResponses(api, [new AdminErrorAnswers().answers.NOT_FOUND]),
];

interface Asset {
  type: string;
  body: Buffer;
}

/** The operators' console: a static page that signs in with the admin token and uses /admin only. */
@Controller('console')
export class ConsoleController implements OnModuleInit {
  private readonly assets = new Map<string, Asset>();

  constructor(@Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>) {}

  onModuleInit(): void {
    for (const name of readdirSync(ASSETS_DIR)) {
      const type = TYPES[extname(name)];
      if (type) this.assets.set(name, { type, body: readFileSync(join(ASSETS_DIR, name)) });
    }
  }

  @Get()
  @ApiDocs((api) =>
    consoleDocs(api, "The operators' console (a web page using the /admin API; sign in with ADMIN_TOKEN)", [
      'text/html',
    ]),
  )
  page(@Req() req: Request, @Res() res: Response): void {
    this.send('index.html', req, res);
  }

  @Get(':file')
  @ApiDocs((api) => consoleDocs(api, "One of the console's own scripts or styles", ['text/javascript', 'text/css']))
  file(@Param('file') file: string, @Req() req: Request, @Res() res: Response): void {
    this.send(file, req, res);
  }

  private send(name: string, req: Request, res: Response): void {
    const asset = this.config.adminToken ? this.assets.get(name) : undefined;
    if (!asset) throw NotFoundError.route(req.method, req.originalUrl.split('?')[0]);
    res
      .status(200)
      .set({
        ...SECURITY_HEADERS,
        'Content-Type': asset.type,
        'Cache-Control': 'no-cache',
      })
      .send(asset.body);
  }
}
