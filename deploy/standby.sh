#!/usr/bin/env bash
# deploy/standby.sh: a PostgreSQL primary and a streaming-replication
# standby on one machine, for trying failover (docs/OPERATIONS.md, "Failover").
# 主库与同步备库（流复制）——在一台机器上试用故障切换。
#
#   deploy/standby.sh setup DIR [PRIMARY_PORT [STANDBY_PORT]]
#   deploy/standby.sh status|promote|rebuild|conninfo|start|stop|kill-primary DIR
#   deploy/standby.sh --help
#
# DIR holds two clusters, DIR/a and DIR/b (each as deploy/lib.sh makes them:
# its data in data/, its Unix socket in run/, no TCP).  Which of the two is
# the primary changes with each promotion; `status` says.  Run as root (the
# clusters run as the postgres user) or as the user who owns DIR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

APP=wdm_standby          # the standby's application_name, named in synchronous_standby_names
ROLE=wdm_replicator      # the replication role

usage () {
    cat <<'EOF'
Usage: deploy/standby.sh COMMAND DIR [ARGS]
主库与同步流复制备库（一台机器上试用） / a primary and a synchronous streaming
standby on one machine, for trying failover.

  setup DIR [P [S]]   两个集群 DIR/a（主库，端口 P，默认 5456）与 DIR/b（备库，
                      pg_basebackup -R，端口 S，默认 5466）；同步复制
                      a new primary in DIR/a and a standby made from it with
                      pg_basebackup -R in DIR/b; synchronous_standby_names =
                      'FIRST 1 (wdm_standby)', synchronous_commit = on: a COMMIT
                      returns only once its WAL is flushed on both
  status DIR          各集群：是否运行、主/备、复制状态 / each cluster: up or
                      down, primary or standby, the replication it sees
  conninfo DIR        wdmon 的多主机连接串 / the multi-host conninfo for the
                      servers (target_session_attrs=read-write) and, second
                      line, the one for read-only work (prefer-standby)
  promote DIR         提升备库为主库 / promote the standby (first clearing its
                      synchronous_standby_names: with no standby of its own it
                      would otherwise block every commit)
  rebuild DIR         将停掉的旧主库重建为新主库的同步备库（pg_basebackup）
                      / make the stopped old primary the new primary's standby
                      again, then make replication synchronous once more
  kill-primary DIR    kill -9 主库所有进程（故障演练）/ kill -9 every process
                      of the primary (a crash, for drills and tests)
  start DIR | stop DIR  启动/停止两个集群 / start or stop both clusters
  --help              本帮助 / this help

While the standby is down the primary's commits wait for it (synchronous
replication): wdmon-server answers "retry later" to nothing and holds its
group; collectors keep their records.  `promote`, or on the primary
ALTER SYSTEM SET synchronous_standby_names = '' and pg_reload_conf(), frees
them (then a record is on one machine only).  docs/OPERATIONS.md explains.
EOF
}

# Port of the cluster in DIR (from its postmaster options, kept in DIR/port).
port_of () { cat "$1/port"; }
bin=
psql_at () {  # psql_at CLUSTER_DIR SQL...: run SQL on that cluster, as postgres
    local dir=$1; shift
    local args=()
    for s in "$@"; do args+=(-c "$s"); done
    wdm_as_pg "$bin/psql" -qXAt -h "$dir/run" -p "$(port_of "$dir")" -U postgres -d postgres "${args[@]}"
}
in_recovery () { psql_at "$1" "SELECT pg_is_in_recovery ()" 2>/dev/null; }
# The running cluster of the pair in recovery (t: the standby) or not
# (f: the primary), as its directory.
running_with () {  # running_with DIR t|f
    local d
    for d in "$1/a" "$1/b"; do
        [ "$(in_recovery "$d")" == "$2" ] && { echo "$d"; return 0; }
    done
    return 1
}
primary_of () { running_with "$1" f; }
standby_of () { running_with "$1" t; }
other_of () { [ "$(basename "$2")" == a ] && echo "$1/b" || echo "$1/a"; }

# make_standby PRIMARY_DIR STANDBY_DIR: a fresh copy of the primary,
# streaming from it, started.
make_standby () {
    local primary=$1 standby=$2
    wdm_pg_stop "$standby"
    rm -rf "$standby/data"
    mkdir -p "$standby/run"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$standby"
    # -R writes standby.signal and primary_conninfo (with our application_name);
    # -X stream copies the WAL made meanwhile; -c fast does not wait for a checkpoint.
    wdm_as_pg "$bin/pg_basebackup" -D "$standby/data" -R -X stream -c fast \
        -d "host=$primary/run port=$(port_of "$primary") user=$ROLE application_name=$APP" \
        >"$standby/basebackup.log" 2>&1 \
        || { cat "$standby/basebackup.log" >&2; wdm_die "pg_basebackup failed"; }
    # The primary's synchronous_standby_names, copied with its
    # postgresql.auto.conf, means nothing on a standby, but would block every
    # commit of this one once promoted: the standby starts without it.
    wdm_as_pg sed -i '/^synchronous_standby_names/d' "$standby/data/postgresql.auto.conf"
    wdm_pg_start "$standby" "$(port_of "$standby")"
}

# make_synchronous PRIMARY_DIR: a commit waits for the standby's flush.
make_synchronous () {
    psql_at "$1" "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ($APP)'" \
        "ALTER SYSTEM SET synchronous_commit = on" "SELECT pg_reload_conf ()" >/dev/null
    # Wait until the standby streams and is the synchronous one.
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(psql_at "$1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$APP'")" == sync ] \
            && return 0
        sleep 0.1
    done
    wdm_die "the standby did not become synchronous within 30 s"
}

cmd=${1:-}
case "$cmd" in
    -h|--help|help) usage; exit 0 ;;
    setup|status|conninfo|promote|rebuild|kill-primary|start|stop) ;;
    '') usage >&2; exit 2 ;;
    *) echo "error: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac
dir=${2:-}
[ -n "$dir" ] || { echo "error: $cmd needs DIR" >&2; exit 2; }
dir=$(realpath -m "$dir")
bin=$(wdm_pg_bindir)

case "$cmd" in
setup)
    pport=${3:-5456} sport=${4:-5466}
    [ -e "$dir/a/data" ] || [ -e "$dir/b/data" ] && wdm_die "$dir already holds clusters (stop them, remove it)"
    mkdir -p "$dir/a" "$dir/b"
    chmod 755 "$dir" "$dir/a" "$dir/b"
    echo "$pport" >"$dir/a/port"
    echo "$sport" >"$dir/b/port"
    wdm_pg_init "$dir/a"
    # Replication connections of the replication role, over the Unix
    # socket; between machines this is a `hostssl replication ... scram-sha-256`
    # line for the standby's address.
    wdm_as_pg sed -i "1i local replication $ROLE trust" "$dir/a/data/pg_hba.conf"
    wdm_pg_start "$dir/a" "$pport"
    psql_at "$dir/a" "CREATE ROLE $ROLE WITH LOGIN REPLICATION" >/dev/null
    make_standby "$dir/a" "$dir/b"
    make_synchronous "$dir/a"
    wdm_say "primary $dir/a (port $pport), synchronous standby $dir/b (port $sport)"
    "$0" conninfo "$dir"
    ;;
conninfo)
    a="$dir/a/run" b="$dir/b/run" pa=$(port_of "$dir/a") pb=$(port_of "$dir/b")
    echo "host=$a,$b port=$pa,$pb user=postgres target_session_attrs=read-write"
    echo "host=$a,$b port=$pa,$pb user=postgres target_session_attrs=prefer-standby"
    ;;
status)
    for d in "$dir/a" "$dir/b"; do
        role=$(in_recovery "$d")
        if [ -z "$role" ]; then
            printf '%s (port %s): 停止或无法连接 / down or unreachable\n' "$d" "$(port_of "$d")"
        elif [ "$role" == t ]; then
            printf '%s (port %s): 备库 / standby, %s\n' "$d" "$(port_of "$d")" \
                "$(psql_at "$d" "SELECT coalesce ('streaming from ' || sender_host || ':' || sender_port, 'not streaming')
                                  FROM (SELECT 1) x LEFT JOIN pg_stat_wal_receiver ON true")"
        else
            printf '%s (port %s): 主库 / primary, standbys: %s\n' "$d" "$(port_of "$d")" \
                "$(psql_at "$d" "SELECT coalesce (string_agg (application_name || ' ' || state || ' ' || sync_state, ', '), 'none')
                                  FROM pg_stat_replication")"
        fi
    done
    ;;
promote)
    standby=$(standby_of "$dir") || wdm_die "no running standby in $dir"
    # No standby of its own yet: commits must not wait for one.  ALTER
    # SYSTEM writes postgresql.auto.conf, which a standby may.
    psql_at "$standby" "ALTER SYSTEM RESET synchronous_standby_names" "SELECT pg_reload_conf ()" >/dev/null
    wdm_as_pg "$bin/pg_ctl" -D "$standby/data" -w -t 60 promote >/dev/null || wdm_die "promotion failed"
    wdm_say "promoted $standby; it runs without a synchronous standby until: $0 rebuild $dir"
    ;;
rebuild)
    primary=$(primary_of "$dir") || wdm_die "no running primary in $dir"
    old=$(other_of "$dir" "$primary")
    # A primary that was killed may hold WAL the new one never saw (async
    # commits, or ones whose wait was cut short): a fresh copy drops them.
    # pg_rewind would copy only what differs (it needs wal_log_hints or
    # data checksums); here the copy is small.
    wdm_as_pg grep -q "^local replication $ROLE" "$primary/data/pg_hba.conf" \
        || { wdm_as_pg sed -i "1i local replication $ROLE trust" "$primary/data/pg_hba.conf";
             psql_at "$primary" "SELECT pg_reload_conf ()" >/dev/null; }
    make_standby "$primary" "$old"
    make_synchronous "$primary"
    wdm_say "$old is the synchronous standby of $primary again"
    ;;
kill-primary)
    primary=$(primary_of "$dir") || wdm_die "no running primary in $dir"
    pid=$(head -n 1 "$primary/data/postmaster.pid")
    children=$(ps -o pid= --ppid "$pid")
    kill -9 "$pid" $children
    echo "$primary"
    ;;
start)
    for d in "$dir/a" "$dir/b"; do wdm_pg_running "$d" || wdm_pg_start "$d" "$(port_of "$d")"; done
    ;;
stop)
    for d in "$dir/a" "$dir/b"; do wdm_pg_stop "$d"; done
    ;;
esac
