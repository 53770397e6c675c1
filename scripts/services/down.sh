#!/usr/bin/env bash
# Stops the services started by up.sh (same CONFAB_* settings) and discards their data.
# Safe to run when nothing is running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$SERVICES_DIR/postgres.sh"
source "$SERVICES_DIR/redis.sh"
source "$SERVICES_DIR/kafka.sh"
source "$SERVICES_DIR/mcp-everything.sh"

mcp_everything_stop
kafka_stop
redis_stop
pg_stop
rm -f "$RUN_DIR/env"
