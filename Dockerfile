# syntax=docker/dockerfile:1
# The kubegraph image (README, Deploy to Kubernetes): dist/ compiled in a build stage; the runtime stage holds production
# dependencies and dist/ only, runs as a numeric non-root user and writes nothing outside /tmp. It needs DATABASE_URL
# (the embedded PostgreSQL is not in it). No HEALTHCHECK: Kubernetes probes /healthz and /readyz.
# test/deploy/container-image.test.ts runs the runtime stage's steps and command without a container engine.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
RUN npm run compile

FROM ${NODE_IMAGE}
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies are platform binaries that only a checkout uses: the embedded PostgreSQL and swc (dist/ is
# compiled already). Install scripts are skipped: none is needed at run time.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Files stay owned by root: the service cannot change its own code.
USER 10001:10001
EXPOSE 4000
CMD ["node", "--max-semi-space-size=64", "dist/main.js", "serve"]
