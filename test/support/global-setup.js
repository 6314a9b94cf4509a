// Runs once before the suites: dist/ must match src/ (some suites run the built service), and the
// Redis suites need to know whether a Redis answers (they skip with a notice, or fail under CI).
const { ensureBuild } = require('../../scripts/ensure-build');
const IORedis = require('ioredis');

async function redisAnswers(url) {
  const client = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

module.exports = async () => {
  ensureBuild();
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  process.env.TEST_REDIS_URL = url;
  process.env.TEST_REDIS_AVAILABLE = (await redisAnswers(url)) ? '1' : '0';
};
