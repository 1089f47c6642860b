# deploy/qs_daemons.sh: how deploy/quickstart.sh runs its background
# programs (wdmon-server, the collectors, wdmon-web): pid files in
# $var/run, logs in $var/log.  Source it after deploy/lib.sh, with var set.
# The functions are here, apart from the quick start, so that
# tests/test_qs_daemons.sh can hold them to what they promise.

# qs_pid NAME CONFIG: the pid in var/run/NAME.pid, if that process is alive
# and runs with CONFIG (a stale file or a reused pid gives nothing).
qs_pid () {
    local file=$var/run/$1.pid pid
    [ -f "$file" ] || return 1
    pid=$(cat "$file")
    [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- " $2 " || return 1
    echo "$pid"
}

# qs_start NAME LOG PROGRAM ARGS...: run it in a session of its own (so that
# neither Ctrl-C here nor closing the terminal stops it), and write its pid.
qs_start () {
    local name=$1 log=$2
    shift 2
    mkdir -p "$var/run" "$var/log"
    setsid "$@" </dev/null >>"$log" 2>&1 &
    echo $! >"$var/run/$name.pid"
}

# qs_stop NAME CONFIG: SIGTERM, and wait up to 20 s for a clean exit.
qs_stop () {
    local pid i
    if pid=$(qs_pid "$1" "$2"); then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do
            [ -d "/proc/$pid" ] || break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ]; then
            echo "warning: $1 (pid $pid) did not stop within 20 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        else
            echo "stopped $1 (pid $pid)"
        fi
    fi
    rm -f "$var/run/$1.pid"
}

# qs_http PORT PATH: GET http://127.0.0.1:PORT/PATH, the answer with headers
# (bash's /dev/tcp: no curl needed).
qs_http () {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
        timeout 5 cat <&3
    ) 2>/dev/null
}

# qs_port_busy PORT: something listens on 127.0.0.1:PORT.
qs_port_busy () { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# qs_daemon NAME WHAT CONF PORTS PROBE_PORT PROBE_PATH PROBE_RE PROGRAM ARGS...:
# make CONF.new the daemon's configuration CONF (restarting it if it runs
# with another: a port changed), then start it unless it runs, logging to
# var/log/NAME.log.  PORTS: its ports, "PORT:VARIABLE ...", each refused
# (naming the variable that chooses another) if another program has it.
# It is up once GET PROBE_PATH on PROBE_PORT answers a line matching
# PROBE_RE; it dies (its log shown) if it stops or is not up within 15 s.
qs_daemon () {
    local name=$1 what=$2 conf=$3 ports=$4 probe_port=$5 probe_path=$6 probe_re=$7 pid port i
    shift 7
    local log=$var/log/$name.log
    if ! cmp -s "$conf.new" "$conf" && pid=$(qs_pid "$name" "$conf"); then
        wdm_say "$what: its configuration changed; restarting it"
        qs_stop "$name" "$conf" >/dev/null
    fi
    mv "$conf.new" "$conf"
    if pid=$(qs_pid "$name" "$conf"); then
        wdm_say "$what is running (pid $pid)"
        return 0
    fi
    for port in $ports; do
        qs_port_busy "${port%%:*}" \
            && wdm_die "port ${port%%:*} is in use by another program; choose another with ${port#*:}=..."
    done
    wdm_say "starting $what (log: var/log/$name.log)"
    qs_start "$name" "$log" "$@"
    # Alive is asked of the pid just started, a child of this shell (which
    # reaps it when it exits), not of qs_pid: until the exec is done its
    # /proc/PID/cmdline is this shell's (then, for a moment, empty), and
    # wdmon-web was once called "stopped at once" while it was starting.
    pid=$(cat "$var/run/$name.pid")
    for ((i = 0; ; i++)); do
        kill -0 "$pid" 2>/dev/null \
            || { tail -n 20 "$log" >&2; wdm_die "$what stopped at once; its log is above"; }
        qs_http "$probe_port" "$probe_path" | grep -q "$probe_re" && break
        [ $i -lt 150 ] || { tail -n 20 "$log" >&2; wdm_die "$what did not answer on :$probe_port within 15 s"; }
        sleep 0.1
    done
}
