import { TargetConfig } from '../config/routing.config';
import { DeliveryQueue } from '../queue/delivery-queue';
import { TargetTelemetry } from '../telemetry/target-telemetry';
import { Telemetry } from '../telemetry/telemetry';
import { Tracing } from '../telemetry/tracing';
import { CrmBreaker } from './client/crm-breaker';
import { CrmClient } from './client/crm-client';
import { createCrmHttp } from './client/crm-http.factory';
import { connectorNamed } from './connector-registry';
import { CrmConnector } from './connectors/crm-connector';
import { DeliveryVerdicts } from './delivery/delivery-verdicts';
import { DeliveryWorker } from './delivery/delivery-worker';
import { TargetReport } from './target-status';
import { CredentialFlows } from './token/credential-flows';
import { TokenProvider } from './token/token-provider';

/** What the targets' runtimes share: the store (each takes its own target's queue of it), the signals, the tracer. */
export interface SharedByTargets {
  queue: DeliveryQueue;
  telemetry: Telemetry;
  tracing: Tracing;
}

/**
 * One target's delivery side, made from its TargetConfig alone: its connector instance with its
 * settings; its CRM client, an axios instance of its own carrying its own token cache and breaker
 * as interceptors; and its delivery worker, claiming only this target's deliveries, with its own
 * concurrency budget, rate limiter, batch size and wait, retries and breaker settings. Nothing
 * here is shared with another target but the store and the event loop: one target's open breaker,
 * 429 storm or hanging CRM neither holds another's slots nor delays its claims.
 */
export class TargetRuntime {
  readonly name: string;
  readonly tokens: TokenProvider;
  readonly breaker: CrmBreaker;
  readonly client: CrmClient;
  readonly connector: CrmConnector;
  readonly worker: DeliveryWorker;

  constructor(
    private readonly target: TargetConfig,
    { queue, telemetry, tracing }: SharedByTargets,
  ) {
    const { crm } = target;
    const definition = connectorNamed(crm.connector);
    this.name = target.name;
    const signals = new TargetTelemetry(telemetry, target.name);
    this.breaker = new CrmBreaker(crm, signals);
    this.tokens = definition.credentials(crm, CredentialFlows.of(crm, signals, tracing));
    const { baseUrl, timeoutMs } = crm;
    const http = createCrmHttp({ baseUrl, timeoutMs, tokens: this.tokens, breaker: this.breaker, tracing });
    this.client = new CrmClient(crm, http, signals);
    this.connector = new definition.connector(this.client, crm);
    const ownQueue = queue.forTarget(target.name);
    const verdicts = new DeliveryVerdicts(crm, ownQueue, signals);
    this.worker = new DeliveryWorker(crm, ownQueue, this.connector, this.breaker, verdicts, tracing);
  }

  report(): TargetReport {
    return {
      name: this.name,
      connector: this.target.crm.connector,
      breaker: this.breaker.state,
      token: this.tokens.state(),
      activeDeliveries: this.worker.activeDeliveries,
      concurrency: this.target.crm.concurrency,
    };
  }
}
