#!/usr/bin/env bash
# test_qs_daemons: how the quick start runs its background programs
# (deploy/qs_daemons.sh), with a small HTTP server standing in for
# wdmon-server and wdmon-web:
#   - a program that is alive but has not yet become the daemon (its
#     command line is not yet the daemon's: the moment between fork and
#     exec, or a wrapper) is waited for, not called "stopped at once".  The
#     quick start once failed in CI with "the console wdmon-web ... stopped
#     at once" and an empty log: the check had read /proc/PID/cmdline
#     before wdmon-web's exec;
#   - a program that does stop at once is reported so, with its log;
#   - started again, a running daemon is found by its pid file and left
#     running; qs_stop stops it.
#
# Usage: test_qs_daemons.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../deploy/lib.sh"
. "$here/../deploy/qs_daemons.sh"
command -v python3 >/dev/null || { echo "no python3 here: run tests/run.sh"; exit 77; }

var=$(mktemp -d /tmp/wdm_test_qs.XXXXXX)
port=$((18000 + $$ % 12000))
conf=$var/web.conf
finish () {
    qs_stop web "$conf" >/dev/null 2>&1
    rm -rf "$var"
}
trap finish EXIT

# The stand-in: serves the directory listing of its working directory on
# 127.0.0.1:PORT; CONF is on its command line only to name it.
serve='import http.server, sys
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()'

# qs_daemon in a subshell (it exits on failure); its output and status.
daemon () {
    echo "[web]" >"$conf.new"
    (cd "$var" && qs_daemon web "the stand-in on :$port" "$conf" "$port:WDM_TEST_PORT" "$port" / '^HTTP/1.[01] 200' "$@") 2>&1
}

# 1. Alive for a second before it becomes the daemon: waited for.
out=$(daemon env QS_SERVE="$serve" QS_PORT="$port" QS_CONF="$conf" \
    bash -c 'sleep 1; exec python3 -c "$QS_SERVE" "$QS_PORT" "$QS_CONF"'); rc=$?
expect "a daemon slow to start is waited for, not called stopped" "$rc" 0
has "... and said to be starting" "$out" "starting the stand-in on :$port"
[ $rc -eq 0 ] || echo "$out"
qs_http "$port" / | grep -q '^HTTP/1.[01] 200' && ok "... and it answers" || fail "the stand-in does not answer on :$port"

# 2. Run again: found running by its pid file, not started twice.
pid=$(qs_pid web "$conf") && ok "its pid file names it ($pid)" || fail "qs_pid does not find the running stand-in"
out=$(daemon python3 -c "$serve" "$port" "$conf"); rc=$?
expect "started again while it runs: nothing to do" "$rc" 0
has "... said so, with its pid" "$out" "the stand-in on :$port is running (pid $pid)"

# 3. Stopped.
out=$(qs_stop web "$conf")
has "qs_stop stops it" "$out" "stopped web (pid $pid)"
[ -d "/proc/$pid" ] && fail "pid $pid still runs after qs_stop" || ok "... and it is gone"

# 4. A program that stops at once: reported, with its log.
out=$(daemon bash -c 'echo "cannot listen: a made-up reason" >&2; exit 1' "$conf"); rc=$?
expect "a daemon that stops at once fails the start" "$rc" 1
has "... saying so" "$out" "the stand-in on :$port stopped at once; its log is above"
has "... and showing its log" "$out" "cannot listen: a made-up reason"

wdm_test_end test_qs_daemons
