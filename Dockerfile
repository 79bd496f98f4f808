# syntax=docker/dockerfile:1
# One image for every service: `docker run IMAGE <all|control-plane|query-api|ingest|migrate>`.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/var/lib/clickstream
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home /app app \
  && mkdir -p /var/lib/clickstream && chown app:app /var/lib/clickstream
COPY --from=build --chown=app:app /app /app
USER app
EXPOSE 3000 8080
ENTRYPOINT ["node", "--import", "tsx", "runtime/launcher/main.ts"]
CMD ["all"]
