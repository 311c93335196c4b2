# syntax=docker/dockerfile:1.7
#
# One image per Tessera service, all from this file:
#
#   docker build --build-arg SERVICE=token-api -t tessera/token-api .
#   (SERVICE: token-api, revocation, notifier, audit, sweeper, or migrate for the migration one-shot)
#
# The services run their TypeScript with `node --import tsx`, as they do on the developers'
# machines and in the tests: the workspace packages export their TypeScript source, so running it
# directly keeps one code path from tests to production (no second, compiled artefact to drift
# from what was tested). tsx transpiles each module once at start (esbuild, a few hundred ms) and
# is a production dependency of each service for that reason.

ARG NODE_IMAGE=node:24-slim

# --- pnpm and the whole workspace, with dev dependencies (for the build only) ----------------------
FROM ${NODE_IMAGE} AS workspace
ENV PNPM_HOME=/pnpm \
    CI=true
ENV PATH="${PNPM_HOME}:${PATH}"
RUN npm install --global pnpm@12 && pnpm --version
WORKDIR /src
# The lockfile alone decides what is downloaded, so this layer is reused until it changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline

# --- one service's production tree: pnpm deploy --prod (see deploy/docker/assemble.sh) -----------
FROM workspace AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<token-api|revocation|notifier|audit|sweeper|migrate>" >&2; exit 1; }
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store bash deploy/docker/assemble.sh "${SERVICE}" /out

# --- runtime: node, the production tree, nothing else ---------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    OTEL_SERVICE_NAME=${SERVICE}
# A fixed numeric uid/gid, so Kubernetes can check runAsNonRoot; the code stays owned by root and
# read-only for the process.
RUN groupadd --system --gid 10001 tessera \
 && useradd --system --uid 10001 --gid tessera --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tessera
WORKDIR /app
COPY --from=build --chown=root:root /out/ /app/
USER 10001:10001
# PORT overrides the service's default port (its entry in deploy/gateway/routes.json).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const port = process.env.PORT || require('node:fs').readFileSync('/app/.default-port', 'utf8'); fetch('http://127.0.0.1:' + port + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
