# A small production image: the built server and its runtime dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# `prepare` runs scripts/ensure-built.mjs, which has nothing to build before src/ is copied
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY openapi ./openapi
COPY proto ./proto
COPY src/schema/generated ./src/schema/generated
COPY src/schema/openapiv2.proto ./src/schema/openapiv2.proto
VOLUME /data
EXPOSE 6443 10053/udp 10053/tcp
ENTRYPOINT ["node", "bin/kube-emulator.mjs"]
CMD ["--host", "0.0.0.0", "--port", "6443", "--data-dir", "/data", "--kubeconfig", "/data/kubeconfig"]
