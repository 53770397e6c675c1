# Shared settings and helpers for the test-service scripts; sourced, not run.
# Everything listens on 127.0.0.1 only. Override with the environment:
#   CONFAB_SERVICES_CACHE  built artefacts kept between runs (Postgres chroot, kafka-mock binary)
#   CONFAB_SERVICES_RUN    pid files, logs and the generated env file of one set of services
#   CONFAB_PG_PORT, CONFAB_REDIS_PORT, CONFAB_MCP_EVERYTHING_PORT, CONFAB_KAFKA_TOPICS (extra topics, space separated)

SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${CONFAB_SERVICES_CACHE:-/var/cache/confab-ci}"
RUN_DIR="${CONFAB_SERVICES_RUN:-/tmp/confab-services}"
PG_PORT="${CONFAB_PG_PORT:-55432}"
REDIS_PORT="${CONFAB_REDIS_PORT:-56379}"
MCP_EVERYTHING_PORT="${CONFAB_MCP_EVERYTHING_PORT:-56390}"
KAFKA_TOPICS="${CONFAB_KAFKA_TOPICS:-}"
PG_ROOT="$CACHE_DIR/pg-chroot"
PG_DB=confab_test

say() { printf '[services] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
pid_from() { [[ -s "$1" ]] && head -n1 "$1" || true; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

package_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Installs only the missing Debian packages; apt-get update runs once, and only if needed.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do package_installed "$pkg" || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  if [[ -z "${APT_UPDATED:-}" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Polls `$@` until it succeeds, for up to $WAIT_SECONDS (default 30).
wait_for() {
  local deadline=$((SECONDS + ${WAIT_SECONDS:-30}))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
