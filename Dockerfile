# travelgate: multi-stage build on Node 24 LTS (slim). The runtime runs as a non-root user in the
# dialout group (serial ports), keeps its journal and keys in the /data volume, and reports its
# health on /healthz.
FROM node:24-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY drivers ./drivers
COPY simulators ./simulators
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production \
    TRAVELGATE_DATA_DIR=/data \
    TRAVELGATE_API_HOST=0.0.0.0
RUN groupadd --system travelgate \
 && useradd --system --gid travelgate --groups dialout --home-dir /app --shell /usr/sbin/nologin travelgate \
 && mkdir -p /data && chown travelgate:travelgate /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The status page: plain files served by the gateway (uPlot comes from node_modules).
COPY web ./web
USER travelgate
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["run", "--config", "config/demo.yaml"]
