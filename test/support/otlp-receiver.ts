import { IAnyValue, IKeyValue } from '@opentelemetry/otlp-transformer/build/src/common/internal-types';
import { IExportTraceServiceRequest, ISpan } from '@opentelemetry/otlp-transformer/build/src/trace/internal-types';
import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** OTLP's span kinds (SpanKind in the proto: 0 unspecified). */
export const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

type Plain = string | number | boolean | null | Plain[];
export type PlainAttributes = Record<string, Plain>;

/** A span as the receiver got it, its attributes (and its resource's) as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: PlainAttributes;
  links: Array<{ traceId: string; spanId: string; attributes: PlainAttributes }>;
  events: Array<{ name: string; attributes: PlainAttributes }>;
  statusCode: number;
  resource: PlainAttributes;
}

function plain(value: IAnyValue): Plain {
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return value.boolValue;
  if (value.intValue != null) return Number(value.intValue);
  if (value.doubleValue != null) return value.doubleValue;
  if (value.arrayValue) return value.arrayValue.values.map(plain);
  return null;
}

const attributesOf = (list: IKeyValue[] | undefined): PlainAttributes =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));

/** The exporter's JSON encoding writes ids as hex strings. */
const hex = (id: string | Uint8Array | undefined) =>
  typeof id === 'string' ? id : Buffer.from(id ?? []).toString('hex');

function received(span: ISpan, resource: PlainAttributes): ReceivedSpan {
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    parentSpanId: hex(span.parentSpanId),
    name: span.name,
    kind: span.kind,
    attributes: attributesOf(span.attributes),
    links: (span.links ?? []).map((l) => ({
      traceId: hex(l.traceId),
      spanId: hex(l.spanId),
      attributes: attributesOf(l.attributes),
    })),
    events: (span.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
    statusCode: span.status?.code ?? 0,
    resource,
  };
}

/**
 * An OpenTelemetry collector's OTLP/HTTP traces endpoint on loopback, as the tests need one: it
 * takes POST /v1/traces (any query) with a JSON ExportTraceServiceRequest (what
 * @opentelemetry/exporter-trace-otlp-http sends), answers 200 with an empty
 * ExportTraceServiceResponse, and keeps every span and every raw body. While `refusal` is set it
 * answers that status instead and keeps nothing, as a collector whose pipeline is down does.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: string[] = [];
  readonly contentTypes: string[] = [];
  /** The headers of every export request, refused ones included. */
  readonly requestHeaders: IncomingHttpHeaders[] = [];
  refusal?: number;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      if (req.method !== 'POST' || path !== '/v1/traces') return void res.writeHead(404).end();
      this.requestHeaders.push(req.headers);
      if (this.refusal !== undefined) return void res.writeHead(this.refusal).end();
      this.bodies.push(body);
      this.contentTypes.push(String(req.headers['content-type']));
      const request = JSON.parse(body) as IExportTraceServiceRequest;
      for (const resourceSpans of request.resourceSpans ?? []) {
        const resource = attributesOf(resourceSpans.resource?.attributes);
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans ?? []) this.spans.push(received(span, resource));
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  url = '';

  /** Listens on `port` (by default one the system picks). */
  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  /** The spans of one trace, once there are at least `count` of them (else undefined). */
  trace(traceId: string, count = 1): ReceivedSpan[] | undefined {
    const spans = this.spans.filter((s) => s.traceId === traceId);
    return spans.length >= count ? spans : undefined;
  }
}
