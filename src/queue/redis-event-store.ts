import { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { QueueConfig } from '../config/queue.config';
import { RedisConfig } from '../config/redis.config';
import { Telemetry } from '../telemetry/telemetry';
import { EnqueueSignal } from './enqueue-signal';
import { EventStoreDriver } from './event-store-driver';
import { RedisConnections } from './redis-connections';
import { RedisDeliveryQueue } from './redis-delivery-queue';
import { RedisEventImport } from './redis-event-import';
import { RedisEventIntake } from './redis-event-intake';
import { RedisEventQueries } from './redis-event-queries';
import { RedisOperatorEvents } from './redis-operator-events';
import { RedisStoreHealth } from './redis-store-health';
import { RedisStoreWatch } from './redis-store-watch';
import { WritesInFlight } from './redis-writes-in-flight';
import { LatestCommit } from './store-health';

/** Delivered and stale events past their dedup window are deleted at this pace, so many per run. */
const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 1000;

/**
 * The shared store for several instances (QUEUE_DRIVER=redis), one part per port over the same
 * connections. BullMQ holds one job per queued event and gives each to one instance at a time;
 * the event itself, its state and the per-record order live in our own keys, changed only by the
 * Lua scripts in redis-scripts.ts. See docs/scaling.md.
 */
export class RedisEventStore implements EventStoreDriver, OnModuleInit, OnApplicationShutdown {
  readonly intake: RedisEventIntake;
  readonly delivery: RedisDeliveryQueue;
  readonly operators: RedisOperatorEvents;
  readonly health: RedisStoreHealth;
  /** Moving another store's events in (store-transfer.ts). */
  readonly transfer: RedisEventImport;
  private readonly connections: RedisConnections;
  private readonly watch: RedisStoreWatch;
  private sweepTimer?: NodeJS.Timeout;

  constructor(config: QueueConfig, redisConfig: RedisConfig, telemetry: Telemetry) {
    this.connections = new RedisConnections(config, redisConfig);
    const { redis, clients, prefix } = this.connections;
    this.watch = new RedisStoreWatch(redis, clients, prefix, redisConfig.minReplicasAck, ({ believedQueued }) =>
      telemetry.emit('storeResetNoticed', { believedQueued }),
    );
    const queries = new RedisEventQueries(this.connections.redis, this.connections.prefix);
    const enqueued = new EnqueueSignal();
    const latest = new LatestCommit();
    const writes = new WritesInFlight();
    this.intake = new RedisEventIntake(this.connections, writes, latest, enqueued);
    this.delivery = new RedisDeliveryQueue(this.connections, queries, writes, enqueued);
    this.operators = new RedisOperatorEvents(this.connections, queries, enqueued);
    this.health = new RedisStoreHealth(this.connections, queries, latest, this.watch);
    this.transfer = new RedisEventImport(this.connections);
  }

  async onModuleInit(): Promise<void> {
    await this.connections.connect();
    await this.watch.start();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Deletes delivered and stale events whose dedup window has passed; returns how many it looked at. */
  async sweep(now = Date.now()): Promise<number> {
    let swept = 0;
    try {
      for (;;) {
        const batch = Number(await this.connections.runScript('sweep', now, SWEEP_BATCH));
        swept += batch;
        if (batch < SWEEP_BATCH) return swept;
      }
    } catch (error) {
      this.connections.logger.warn(`Sweep of expired events failed: ${(error as Error).message}`);
      return swept;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Claims still held are given back now (record lock and BullMQ job, no attempt counted), so
    // the event is retried at once under the same Idempotency-Key, by another instance or this one
    // restarted, instead of waiting for the lease and the stalled check. The record's later events
    // still wait behind it (it stays the head of its record).
    this.watch.stop();
    this.delivery.stopRetrying();
    await this.delivery.releaseAll();
    clearInterval(this.sweepTimer);
    await this.connections.close();
  }
}
