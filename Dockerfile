# syntax=docker/dockerfile:1
# cognigy-crm-sync: docker build -t cognigy-crm-sync . && docker run -p 3000:3000 -v ccs-data:/data --env-file .env cognigy-crm-sync
# Keep the Node major in step with .nvmrc (test/deploy-manifests.e2e-spec.ts checks it).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compiles TypeScript to dist/ --------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, with better-sqlite3 compiled here for this image's
# Node and libc (no prebuilt binary downloaded), so the runtime needs no compiler ------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
ENV npm_config_build_from_source=true
RUN npm ci --omit=dev --no-audit --no-fund \
    && node -e "new (require('better-sqlite3'))(':memory:').close()"

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Application files stay owned by root (read-only for the service); only DATA_DIR is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY mappings ./mappings
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# The unprivileged user of the official Node images (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["node", "-e", "require('http').get({ host: '127.0.0.1', port: process.env.PORT, path: '/health/live', timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: readiness turns 503, in-flight CRM calls finish,
# then it exits 0 (within SHUTDOWN_GRACE_MS + 5 s).
CMD ["node", "dist/main.js"]
