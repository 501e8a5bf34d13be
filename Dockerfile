# Build stage: compiles TypeScript and the better-sqlite3 native module.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: only the compiled code, production dependencies and migrations, as a non-root user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY bin ./bin
RUN mkdir -p /var/lib/mintca && chown node:node /var/lib/mintca
USER node
VOLUME /var/lib/mintca
EXPOSE 8200
# With the TLS listener on, set MINTCA_HEALTH_URL=https://127.0.0.1:8200/v1/sys/health?uninitcode=200 (and NODE_EXTRA_CA_CERTS).
ENV MINTCA_HEALTH_URL=http://127.0.0.1:8200/v1/sys/health?uninitcode=200
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch(process.env.MINTCA_HEALTH_URL).then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/mintca.js"]
CMD ["server", "-config=/etc/mintca/config.json"]
