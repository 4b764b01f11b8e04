# travelgate: multi-stage build on Node 24 LTS (slim). The runtime runs the built bundle (dist/, no tsx,
# no dev dependencies) as a non-root user in the dialout group (serial ports), keeps its journal
# and seal key in the /data volume, and reads the lab's configuration from the /config volume.
#
#   docker run -d -p 127.0.0.1:8080:8080 -v tg-data:/data -v /etc/travelgate:/config:ro \
#     --env-file /etc/travelgate/travelgate.env travelgate          # a lab: /config/lab.yaml
#   docker run -p 127.0.0.1:8080:8080 -v tg-data:/data -e TRAVELGATE_CONFIG=config/demo.yaml travelgate
#                                                                   # the demo (simulated instruments)
FROM node:24-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY drivers ./drivers
COPY simulators ./simulators
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
# TRAVELGATE_CONFIG: the configuration `run` and the health check read (mount it at /config).
# TRAVELGATE_API_HOST: the configurations read api.host from it (${TRAVELGATE_API_HOST:-127.0.0.1}):
# inside a container the API must listen on every interface for a published port to reach it.
ENV NODE_ENV=production \
    TRAVELGATE_CONFIG=/config/lab.yaml \
    TRAVELGATE_DATA_DIR=/data \
    TRAVELGATE_API_HOST=0.0.0.0
RUN groupadd --system travelgate \
 && useradd --system --gid travelgate --groups dialout --home-dir /app --shell /usr/sbin/nologin travelgate \
 && mkdir -p /data /config && chown travelgate:travelgate /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
# The status page: plain files served by the gateway (uPlot comes from node_modules).
COPY web ./web
USER travelgate
VOLUME ["/data", "/config"]
EXPOSE 8080
# `health` asks /healthz at the address the configuration gives (api.host, api.port, TLS), so the
# check follows the configured port.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["node", "dist/src/cli.js", "health"]
# The Node options of deploy/travelgate.service (which says what they save and cost).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--v8-pool-size=1", "--heap-growing-percent=50", "--interrupt-budget=33792", "dist/src/cli.js"]
CMD ["run"]
