#!/usr/bin/env bash
# Starts the real services the test suite uses, on 127.0.0.1 only, and prints the variables
# the tests read as `export` lines (also written to $CONFAB_SERVICES_RUN/env):
#   eval "$(scripts/services/up.sh)"      then      bun test
# Safe to run again: running services are reused. Stop them with scripts/services/down.sh.
# Needs root: it installs missing Debian packages and runs PostgreSQL in a chroot.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$SERVICES_DIR/postgres.sh"
source "$SERVICES_DIR/redis.sh"
source "$SERVICES_DIR/kafka.sh"
source "$SERVICES_DIR/mcp-everything.sh"

[[ $EUID -eq 0 ]] || die "run as root (apt-get and chroot need it)"
mkdir -p "$RUN_DIR"

ensure_packages debootstrap redis-server redis-tools gcc libc6-dev librdkafka-dev \
  prometheus chromium

pg_start
redis_start
kafka_start
mcp_everything_start

cat >"$RUN_DIR/env" <<ENV
export TEST_DATABASE_URL=$PG_URL
export TEST_REDIS_URL=$REDIS_URL_VALUE
export TEST_KAFKA_BROKERS=$(kafka_brokers)
export TEST_MCP_EVERYTHING_URL=$MCP_EVERYTHING_URL_VALUE
export PROMETHEUS_BIN=$(command -v prometheus)
export PROMTOOL_BIN=$(command -v promtool)
export CHROMIUM_PATH=$(command -v chromium)
ENV
cat "$RUN_DIR/env"
