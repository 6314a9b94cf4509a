import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import { DEFAULT_ROUTE_NAME, RoutingConfig, routingConfig, TargetConfig } from '../config/routing.config';
import { DeliveryQueue } from '../queue/delivery-queue';
import { Telemetry } from '../telemetry/telemetry';
import { Tracing } from '../telemetry/tracing';
import { SharedByTargets, TargetRuntime } from './target-runtime';
import { TargetReport, TargetStatus } from './target-status';

/** A target the routing names that no runtime can be made for; startup stops, naming every one. */
export class TargetRuntimeError extends Error {
  constructor(problems: string[]) {
    super(`CRM targets: ${problems.join('; ')}`);
    this.name = 'TargetRuntimeError';
  }
}

/**
 * One runtime per target of the `routing` namespace (exactly one, `default`, without ROUTES_FILE),
 * made at startup, and their lifecycle: every worker starts claiming at bootstrap; at shutdown
 * they all stop claiming, then drain their in-flight CRM calls side by side (each within its own
 * SHUTDOWN_GRACE_MS) while the listener still answers, then their breakers go.
 */
@Injectable()
export class TargetRuntimes
  extends TargetStatus
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly all: readonly TargetRuntime[];

  constructor(
    @Inject(routingConfig.KEY) routing: RoutingConfig,
    queue: DeliveryQueue,
    telemetry: Telemetry,
    tracing: Tracing,
  ) {
    super();
    this.all = runtimesOf(routing.targets, { queue, telemetry, tracing });
  }

  /**
   * The target `default`, else the first: the one the Crm module's single-CRM providers (its
   * breaker, token, client, connector and worker for `app.get`, CrmStatus) stand for.
   */
  get primary(): TargetRuntime {
    return this.all.find((runtime) => runtime.name === DEFAULT_ROUTE_NAME) ?? this.all[0];
  }

  targets(): TargetReport[] {
    return this.all.map((runtime) => runtime.report());
  }

  onApplicationBootstrap(): void {
    for (const runtime of this.all) runtime.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.all.map((runtime) => runtime.worker.stop()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((runtime) => runtime.worker.drain()));
  }

  onApplicationShutdown(): void {
    for (const runtime of this.all) runtime.breaker.shutdown();
  }
}

/** Every target's runtime, or an error naming every target none could be made for and why. */
function runtimesOf(targets: TargetConfig[], shared: SharedByTargets): TargetRuntime[] {
  const problems: string[] = [];
  if (targets.length === 0) problems.push('the routing names no target');
  const seen = new Set<string>();
  const runtimes: TargetRuntime[] = [];
  for (const target of targets) {
    if (seen.has(target.name)) {
      problems.push(`"${target.name}" is named twice`);
      continue;
    }
    seen.add(target.name);
    try {
      runtimes.push(new TargetRuntime(target, shared));
    } catch (error) {
      problems.push(`"${target.name}": ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new TargetRuntimeError(problems);
  return runtimes;
}
