# deploy/lib.sh: shell functions shared by deploy/quickstart.sh and
# tests/run.sh — install what is missing, and run a private PostgreSQL
# cluster in a directory of our own (Unix socket only, no TCP, trust
# authentication for local connections).  Source it; it defines functions
# and changes nothing by itself.

# Debian packages wdmon needs to build, test and run.
WDM_PACKAGES=(
    build-essential cmake pkg-config
    libzmq3-dev libmsgpack-dev libpq-dev libcunit1-dev libinih-dev libjansson-dev libcsv-dev libmicrohttpd-dev zlib1g-dev libsqlite3-dev libyaml-dev libsodium-dev libxlsxwriter-dev libzip-dev libexpat1-dev libcurl4-openssl-dev
    postgresql postgresql-client
    # The report as PDF: headless chromium prints its HTML, with the CJK
    # fonts for its Chinese (server/report/wdm_report_pdf.c).
    chromium fonts-noto-cjk
)

wdm_say () { printf '==> %s\n' "$*"; }
wdm_die () { printf 'error: %s\n' "$*" >&2; exit 1; }

# What the tests need beyond that: a browser to render the report, and
# fonts for its Chinese.
WDM_TEST_PACKAGES=(chromium chromium-driver python3-selenium fonts-noto-cjk valgrind clang clang-format libclang-rt-14-dev gdb python3-openpyxl libreoffice-calc-nogui python3-aiosmtpd openssl poppler-utils)

# wdm_install_deps [PACKAGE...]: install those not installed yet (root
# only); with no arguments, WDM_PACKAGES.
wdm_install_deps () {
    local missing=() pkg wanted=("$@")
    [ ${#wanted[@]} -eq 0 ] && wanted=("${WDM_PACKAGES[@]}")
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        wdm_die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    fi
    wdm_say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The newest installed PostgreSQL's bin directory.
wdm_pg_bindir () {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$dir/initdb" ] || wdm_die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run its tools as 'postgres'.
wdm_as_pg () {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# wdm_pg_init DIR: a new cluster in DIR/data, its socket in DIR/run.
wdm_pg_init () {
    local dir=$1 bin
    bin=$(wdm_pg_bindir)
    mkdir -p "$dir/run"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
    wdm_as_pg test -w "$dir" \
        || wdm_die "$dir is not reachable by the postgres user: every parent directory must be searchable (chmod o+x)"
    [ ${#dir} -lt 80 ] || wdm_die "$dir is too long a path for a Unix socket; use a shorter one"
    wdm_as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; wdm_die "initdb failed"; }
}

# wdm_pg_start DIR PORT: start the cluster and wait until it accepts connections.
wdm_pg_start () {
    local dir=$1 port=$2 bin
    bin=$(wdm_pg_bindir)
    wdm_as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir/run' -p $port -c fsync=${WDM_PG_FSYNC:-on}" \
        start >/dev/null \
        || { tail -n 20 "$dir/postgresql.log" >&2; wdm_die "PostgreSQL did not start"; }
}

# wdm_pg_running DIR: true if the cluster in DIR is up.
wdm_pg_running () {
    local bin
    bin=$(wdm_pg_bindir)
    [ -f "$1/data/PG_VERSION" ] && wdm_as_pg "$bin/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# wdm_pg_stop DIR: stop the cluster if it runs.
wdm_pg_stop () {
    local bin
    bin=$(wdm_pg_bindir)
    if wdm_pg_running "$1"; then
        wdm_as_pg "$bin/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null
    fi
}
