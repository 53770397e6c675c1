# The Confab backend on the official Bun image, running as the image's unprivileged `bun` user.
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4.5
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/app/data
COPY . .
COPY --from=deps /app/node_modules ./node_modules
# The application files stay root-owned and read-only to the process; only DATA_DIR is writable.
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
EXPOSE 8000
# The image has no curl; Bun's own fetch does the probe.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["bun", "run", "src/index.ts"]
