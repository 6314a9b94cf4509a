/** The SLA figures of `GET /metrics/latency`, for other modules (the operators' overview). */
export abstract class LatencyReport {
  abstract report(): Record<string, unknown>;
}
