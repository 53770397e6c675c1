# PostgreSQL 17 + pgvector from a Debian trixie chroot (bookworm packages no pgvector);
# sourced by up.sh and down.sh after lib.sh. The chroot is built once into $CACHE_DIR and
# reused; each start gets a fresh cluster, because these databases only ever hold test data.

PG_BIN=/usr/lib/postgresql/17/bin
PG_DATA="/var/lib/confab/pg-$PG_PORT" # inside the chroot
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"

# The mirror apt already uses for bookworm itself also serves trixie.
debian_mirror() {
  local uri
  uri="$(awk 'BEGIN {RS = ""} /(^|\n)Suites:([^\n]*[ \t])?bookworm([ \t\n]|$)/ {
      if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { split(substr($0, RSTART, RLENGTH), f, /[ \t]+/); print f[2]; exit }
    }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [[ -n "$uri" ]] ||
    uri="$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

pg_chroot_ready() {
  [[ -x "$PG_ROOT$PG_BIN/postgres" && -f "$PG_ROOT/usr/share/postgresql/17/extension/vector.control" ]]
}

pg_build_chroot() {
  pg_chroot_ready && return 0
  mkdir -p "$CACHE_DIR"
  # Two runs on one machine may race to build; one builds, the other waits and reuses.
  exec 9>"$CACHE_DIR/pg-chroot.lock"
  flock 9
  if ! pg_chroot_ready; then
    local tmp="$CACHE_DIR/pg-chroot.build" mirror log="$RUN_DIR/debootstrap.log"
    mirror="$(debian_mirror)"
    say "building the PostgreSQL 17 + pgvector chroot from $mirror (about a minute, once)"
    rm -rf "$tmp" "$PG_ROOT"
    if ! debootstrap --variant=minbase --include=postgresql-17,postgresql-17-pgvector \
      trixie "$tmp" "$mirror" >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      die "debootstrap failed (full log: $log)"
    fi
    mv "$tmp" "$PG_ROOT"
  fi
  flock -u 9
  exec 9>&-
}

pg_ids() { awk -F: '$1 == "postgres" {print $3 ":" $4; exit}' "$PG_ROOT/etc/passwd"; }

as_postgres() {
  local ids
  ids="$(pg_ids)"
  chroot --userspec="$ids" --groups="${ids#*:}" "$PG_ROOT" \
    env -i HOME=/var/lib/postgresql LANG=C.UTF-8 PATH="$PG_BIN:/usr/bin:/bin" "$@"
}

pg_running() { pg_chroot_ready && as_postgres pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; }

psql_admin() { as_postgres psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

pg_init_cluster() {
  local ids dir="$PG_ROOT$PG_DATA"
  ids="$(pg_ids)"
  rm -rf "$dir"
  mkdir -p "$dir"
  chown "$ids" "$dir" "$(dirname "$dir")"
  chmod 700 "$dir"
  as_postgres initdb -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$RUN_DIR/initdb.log" 2>&1 || die "initdb failed (see $RUN_DIR/initdb.log)"
  mkdir -p "$dir/conf.d"
  echo "include_dir = 'conf.d'" >>"$dir/postgresql.conf"
  # Durability settings are off: the cluster is thrown away when the services stop.
  cat >"$dir/conf.d/confab.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  printf 'host all all 127.0.0.1/32 trust\n' >"$dir/pg_hba.conf"
  chown -R "$ids" "$dir"
}

pg_start() {
  pg_build_chroot
  if pg_running; then
    say "postgres already running on 127.0.0.1:$PG_PORT"
  else
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another process; set CONFAB_PG_PORT"
    pg_init_cluster
    as_postgres pg_ctl -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null ||
      { tail -n 20 "$PG_ROOT$PG_DATA/server.log" >&2; die "postgres did not start"; }
    say "postgres started on 127.0.0.1:$PG_PORT"
  fi
  [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" == 1 ]] ||
    psql_admin -c "CREATE DATABASE $PG_DB"
  [[ -n "$(psql_admin -d "$PG_DB" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")" ]] ||
    die "the vector extension is not available in the chroot"
}

pg_stop() {
  if pg_running; then
    as_postgres pg_ctl -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    say "postgres stopped"
  fi
  [[ -d "$PG_ROOT$PG_DATA" ]] && rm -rf "${PG_ROOT:?}$PG_DATA"
  return 0
}
