#!/usr/bin/env bash
# cli_keys: a secret key never leaves its machine by way of a command that
# wanted a public key.  `wdmon unit add` / `rotate-key --server-key`, the
# collector's [server] and [collector] public_key_file and the server's -k
# are given the wrong half of a key pair, as an operator might by mistake;
# each refuses, names the file, and says which kind of key it wanted.  And
# no log line carries a secret key, at any log level.
#
# Usage: cli_keys.sh WDMON WDMON_SERVER WDMON_COLLECTOR
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3
wdm_test_need_pg

work=$(mktemp -d /tmp/wdm_cli_keys.XXXXXX)
port=$((13000 + ($$ + 7) % 12000))
endpoint="tcp://127.0.0.1:$port"
db=wdm_test_cli_keys
conn="$WDM_TEST_PGURI dbname=$db"
server_pid=
cleanup () {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
w () { "$wdmon" --db "$conn" "$@" 2>&1; }

wdm_test_db "$db"
wdm_test_migrate "$wdmon"
w server-key "$work" >/dev/null || exit 2
secret=$(grep -v '^#' "$work/server.key")

# --- unit add / rotate-key with the server's SECRET key as --server-key
out=$(w unit add town_meichang --bundle "$work/leak" --server-key "$work/server.key" --endpoint "$endpoint"); rc=$?
check "unit add refuses the server's secret key as --server-key, naming the file" 2 $rc "$out" \
      "$work/server.key: .*私钥.*公钥.*\(\.pub\).*secret key.*public key \(\.pub\) was wanted"
[ ! -e "$work/leak" ] && ok "... and writes no bundle" || { fail "a bundle was written:"; ls -l "$work/leak" | sed 's/^/    /'; }
if grep -rqsF -- "$secret" "$work/leak"; then fail "the server's secret key is in the bundle"; else ok "... the secret key is nowhere in it"; fi
n=$(q "SELECT count (*) FROM unit_key WHERE unit_code = 'town_meichang'")
[ "$n" == 0 ] && ok "... and registers no key" || fail "$n keys registered"

# The same secret key under a public-looking name, mode 0644: still a secret key.
cp "$work/server.key" "$work/renamed.pub"; chmod 644 "$work/renamed.pub"
out=$(w unit add town_meichang --bundle "$work/leak2" --server-key "$work/renamed.pub" --endpoint "$endpoint"); rc=$?
check "a secret key renamed .pub is still refused" 2 $rc "$out" "$work/renamed.pub: .*public key \(\.pub\) was wanted"
[ ! -e "$work/leak2" ] && ok "... and writes no bundle" || fail "a bundle was written"

# A key file from before secret key files were marked (one bare line), named .key.
printf '%s\n' "$secret" >"$work/old.key"; chmod 600 "$work/old.key"
out=$(w unit add town_meichang --bundle "$work/leak3" --server-key "$work/old.key" --endpoint "$endpoint"); rc=$?
check "an unmarked key file named .key is taken for a secret key and refused" 2 $rc "$out" \
      "$work/old.key: .*public key \(\.pub\) was wanted"

# The right file works, and the bundle's secret key is marked as one.
out=$(w unit add town_meichang --bundle "$work/mc" --server-key "$work/server.pub" --endpoint "$endpoint"); rc=$?
check "unit add with the public key (server.pub) works" 0 $rc "$out" "town_meichang"
cmp -s "$work/server.pub" "$work/mc/server.pub" && ok "... the bundle's server.pub is the server's public key" \
    || fail "the bundle's server.pub differs from server.pub"
mode=$(stat -c %a "$work/mc/unit.key")
[ "$mode" == 600 ] && ok "... unit.key is mode 600" || fail "unit.key is mode $mode"

out=$(w unit rotate-key town_meichang --bundle "$work/rot" --server-key "$work/mc/unit.key" --endpoint "$endpoint"); rc=$?
check "unit rotate-key refuses a unit's secret key as --server-key" 2 $rc "$out" \
      "$work/mc/unit.key: .*public key \(\.pub\) was wanted"
[ ! -e "$work/rot" ] && ok "... and writes no bundle" || fail "a bundle was written"

# --- the collector: each key file in its place, or a clear refusal
cp -r "$work/mc" "$work/c1"
sed -i 's|^public_key_file = server.pub|public_key_file = unit.key|' "$work/c1/collector.conf"
out=$(timeout 20 "$collector_bin" -c "$work/c1/collector.conf" run --once 2>&1); rc=$?
check "the collector refuses a secret key as the server's public key, naming the file" 1 $rc "$out" \
      "c1/unit.key: .*public key \(\.pub\) was wanted"
cp -r "$work/mc" "$work/c2"
sed -i 's|^secret_key_file = unit.key|secret_key_file = unit.pub|' "$work/c2/collector.conf"
chmod 600 "$work/c2/unit.pub"
out=$(timeout 20 "$collector_bin" -c "$work/c2/collector.conf" run --once 2>&1); rc=$?
check "the collector refuses a public key (mode 600) as its secret key" 1 $rc "$out" \
      "c2/unit.pub: .*secret key \(\.key\) was wanted"

# --- the server: -k must be a secret key
cp "$work/server.pub" "$work/pub-as-secret.pub"; chmod 600 "$work/pub-as-secret.pub"
out=$(timeout 20 "$server_bin" -k "$work/pub-as-secret.pub" -e "$endpoint" -d "$conn" 2>&1); rc=$?
check "the server refuses a public key as its secret key" 1 $rc "$out" \
      "pub-as-secret.pub: .*secret key \(\.key\) was wanted"

# --- no secret key in any log, at debug level, on a real delivery
"$server_bin" -k "$work/server.key" -e "$endpoint" -d "$conn" -l debug 2>"$work/server.log" &
server_pid=$!
mkdir -p "$work/mc/inbox"
printf 'indicator,area,year,value\nDM25,meichang,2024,24\n' >"$work/mc/inbox/a.csv"
timeout 60 "$collector_bin" -c "$work/mc/collector.conf" -l debug run --once 2>"$work/collector.log" \
    || fail "the collector did not deliver"
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
unit_secret=$(grep -v '^#' "$work/mc/unit.key")
leaked=
for f in server.log collector.log; do
    for s in "$secret" "$unit_secret"; do
        grep -qF -- "$s" "$work/$f" && leaked="$leaked $f"
    done
done
[ -z "$leaked" ] && ok "no secret key in the server's or the collector's debug log" || fail "secret key in:$leaked"

wdm_test_drop_db
wdm_test_end cli_keys
