# syntax=docker/dockerfile:1
#
# The ticket agent's own image. The agent runs in the customer's network, next to the ticket
# system, and dials ticket-sla's /agents websocket; it has no port, no Kafka and no database, so
# it ships without the platform's production node_modules: only the files and npm packages its
# entry point requires (deploy/collect-app-files.mjs works them out).
#
#   docker build -f deploy/ticket-agent.Dockerfile -t telcomesh/ticket-agent .
#
# Build context is the repository root; ignore rules are in deploy/ticket-agent.Dockerfile.dockerignore
# (BuildKit reads <Dockerfile>.dockerignore). The deps/build/prod-deps stages are the same
# instructions as deploy/Dockerfile's, so BuildKit reuses their cache between the two images.
# Keep NODE_VERSION in step with .nvmrc (scripts/validate-deploy.sh checks it).

ARG NODE_VERSION=24.21.0
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------- base ------
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# ---------------------------------------------------------------- deps ------
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci

# ---------------------------------------------------------------- build -----
FROM deps AS build
COPY . .
RUN npm run build \
 && test -f dist/apps/ticket-agent/src/main.js

# ---------------------------------------------------------------- prod-deps -
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev

# ---------------------------------------------------------------- files -----
# The agent's dist files and the production packages they require, with their dependencies.
# Fails the build when the agent requires something that is not a production dependency.
FROM base AS files
COPY --from=build /app/dist ./dist
COPY --from=prod-deps /app/node_modules ./node_modules
COPY deploy/collect-app-files.mjs /opt/collect-app-files.mjs
RUN node /opt/collect-app-files.mjs --root /app --entry dist/apps/ticket-agent/src/main.js --out /out

# ---------------------------------------------------------------- runtime ---
FROM base AS runtime

# tini as PID 1: forwards SIGTERM to node (the agent closes its connection and outbox on it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# The outbox holds results the server has not acknowledged yet: it lives on a volume so that
# they survive a restart or a new image. Its parent directory is owned by the app user, so a
# fresh named volume or a PersistentVolume (with fsGroup 1000) is writable.
ENV NODE_ENV=production \
    OUTBOX_DIR=/var/lib/ticket-agent/outbox
WORKDIR /app

# Application files stay root-owned (read-only for the app user).
COPY --from=files /out/ /app/
RUN mkdir -p /var/lib/ticket-agent/outbox \
 && chown -R 1000:1000 /var/lib/ticket-agent
VOLUME ["/var/lib/ticket-agent"]

LABEL org.opencontainers.image.title="telcomesh-ticket-agent" \
      org.opencontainers.image.description="TelcoMesh ticket agent: reads the ticket system for ticket-sla (outbound websocket only)" \
      org.opencontainers.image.vendor="TelcoMesh"

# uid/gid 1000 is the `node` user of the official image; numeric so that Kubernetes
# runAsNonRoot can verify it.
USER 1000:1000

# No HTTP server, so no HTTP probe. The agent never exits on network errors (it reconnects
# forever) and exits 1 on a fatal start-up error, so "the process runs" is its liveness;
# the orchestrator's restart policy covers the rest.
HEALTHCHECK NONE

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/ticket-agent/src/main.js"]
