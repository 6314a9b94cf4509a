import { Telemetry, TelemetrySignals } from './telemetry';

type Signal = keyof TelemetrySignals;

/**
 * What one target's runtime emits on: the shared channel, every signal naming that target (the
 * `target` label of its metrics), so its client, breaker, token flows and verdicts need not know
 * their target's name. Listening stays on the shared channel.
 */
export class TargetTelemetry extends Telemetry {
  constructor(
    private readonly shared: Telemetry,
    private readonly target: string,
  ) {
    super();
  }

  override emit<K extends Signal>(signal: K, ...args: TelemetrySignals[K]): boolean {
    const tagged = args.map((payload) => ({ ...payload, target: this.target })) as TelemetrySignals[K];
    return (this.shared.emit as (signal: K, ...args: TelemetrySignals[K]) => boolean)(signal, ...tagged);
  }
}
