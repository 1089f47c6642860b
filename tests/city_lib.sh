# tests/city_lib.sh: two districts and a city on one machine, for
# test_city.sh and faults/city.sh.  Source after lib.sh, with wdmon,
# server_bin, collector_bin and forward_bin set.  Each level has its own
# PostgreSQL cluster (deploy/lib.sh, as the postgres user), its own
# wdmon-server on loopback with CURVE; each district a collector (the
# civil affairs bureau) and a wdmon-forward to the city, as a member unit
# of the city.  The city's site: 天津市 on top, the two districts under it
# as areas of level county, each district a member unit leading the
# shares the districts' civil affairs bureaus report (DM27 ...).
#
#   city_setup WORKDIR PORT   clusters on PORT, PORT+10, PORT+20; servers on
#                             PORT+1000 ...; everything under WORKDIR
#   city_q LEVEL SQL          one answer from a, b or city
#   city_send LEVEL CSVTEXT   the district's collector delivers the lines
#   city_server_start/stop LEVEL, city_forward_start/stop LEVEL
#   city_teardown             every process and cluster stopped

. "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib.sh"
declare -A city_pg city_port city_conn city_ep city_server_pid city_forward_pid

city_setup () {
    city_work=$1
    local base=$2 level i=0
    mkdir -p "$city_work"; chmod 755 "$city_work"
    for level in a b city; do
        city_pg[$level]=$city_work/pg-$level
        city_port[$level]=$((base + 10 * i))
        city_ep[$level]=tcp://127.0.0.1:$((base + 1000 + 10 * i))
        i=$((i + 1))
        mkdir -p "${city_pg[$level]}"; chmod 755 "${city_pg[$level]}"
        ( wdm_pg_init "${city_pg[$level]}" && WDM_PG_FSYNC=off wdm_pg_start "${city_pg[$level]}" "${city_port[$level]}" ) \
            || return 1
        city_conn[$level]="host=${city_pg[$level]}/run port=${city_port[$level]} user=postgres dbname=postgres"
        "$wdmon" --db "${city_conn[$level]}" -l warn migrate >/dev/null || return 1
        "$wdmon" --db "${city_conn[$level]}" -l warn plan import "$wdm_test_plan_file" --current >/dev/null || return 1
        mkdir -p "$city_work/$level"
        "$wdmon" server-key "$city_work/$level" >/dev/null || return 1
    done
    "$wdmon" --db "${city_conn[a]}" -l warn site import "$wdm_test_site_file" >/dev/null || return 1
    cat >"$city_work/beichen.yaml" <<'YAML'
areas:
- {code: beichen, level: district, name_zh: 北辰区, name_en: Beichen District}
- {code: tianmu, parent: beichen, level: town, name_zh: 天穆镇, name_en: Tianmu Town}
- {code: xiditou, parent: beichen, level: town, name_zh: 西堤头镇, name_en: Xiditou Town}
units:
- {code: civil_affairs_bureau, kind: department, area: beichen, name_zh: 北辰区民政局, name_en: Beichen Civil Affairs Bureau, leads: [DM27, DM28, DM31, DM32, DM33, DM36, SS11]}
YAML
    cat >"$city_work/tianjin.yaml" <<'YAML'
areas:
- {code: tianjin, level: district, name_zh: 天津市, name_en: Tianjin}
- {code: wuqing, parent: tianjin, level: county, name_zh: 武清区, name_en: Wuqing District}
- {code: beichen, parent: tianjin, level: county, name_zh: 北辰区, name_en: Beichen District}
units:
- {code: wuqing, kind: organization, area: wuqing, name_zh: 武清区妇儿工委办, name_en: Wuqing District Women and Children Office, leads: [DM27, DM28, DM31, DM32, DM33, DM36, SS11]}
- {code: beichen, kind: organization, area: beichen, name_zh: 北辰区妇儿工委办, name_en: Beichen District Women and Children Office, leads: [DM27, DM28, DM31, DM32, DM33, DM36, SS11]}
YAML
    "$wdmon" --db "${city_conn[b]}" -l warn site import "$city_work/beichen.yaml" >/dev/null || return 1
    "$wdmon" --db "${city_conn[city]}" -l warn site import "$city_work/tianjin.yaml" >/dev/null || return 1
    local district area
    for district in a b; do
        area=$([ $district = a ] && echo wuqing || echo beichen)
        # The district's own collector, and its key as a member unit of the city.
        "$wdmon" --db "${city_conn[$district]}" unit add civil_affairs_bureau --bundle "$city_work/$district/unit" \
            --server-key "$city_work/$district/server.pub" --endpoint "${city_ep[$district]}" >/dev/null || return 1
        sed -i 's/^\[collector\]$/[collector]\ntimeout_ms = 2000\nscan_ms = 100\nsettle_ms = 0/' "$city_work/$district/unit/collector.conf"
        "$wdmon" --db "${city_conn[city]}" unit add $area --bundle "$city_work/$district/up" \
            --server-key "$city_work/city/server.pub" --endpoint "${city_ep[city]}" >/dev/null || return 1
        cat >"$city_work/$district/forward.conf" <<CONF
[database]
conninfo = ${city_conn[$district]}
[district]
city_area = $area
[city]
endpoint = ${city_ep[city]}
public_key_file = $city_work/$district/up/server.pub
[forward]
secret_key_file = $city_work/$district/up/unit.key
public_key_file = $city_work/$district/up/unit.pub
outbox = $city_work/$district/up/outbox
rejected = $city_work/$district/up/rejected.jsonl
status_file = $city_work/$district/up/forward.status
timeout_ms = 2000
scan_ms = 100
CONF
    done
    for level in a b city; do city_server_start $level; done
}

# city_enable LEVEL: the district queues its figures for the city (sql/067).
city_enable () { "$wdmon" --db "${city_conn[$1]}" -l warn forward enable; }

city_q () { psql "${city_conn[$1]}" -qXAt -v ON_ERROR_STOP=1 -c "SET search_path = wdmon" -c "$2"; }

city_server_start () {
    "$server_bin" -k "$city_work/$1/server.key" -e "${city_ep[$1]}" -d "${city_conn[$1]}" -l warn \
        2>>"$city_work/server-$1.log" &
    city_server_pid[$1]=$!
}
city_server_stop () {
    [ -n "${city_server_pid[$1]:-}" ] && kill "${city_server_pid[$1]}" 2>/dev/null && wait "${city_server_pid[$1]}" 2>/dev/null
    city_server_pid[$1]=
}
city_forward_start () {
    "$forward_bin" -c "$city_work/$1/forward.conf" -l info 2>>"$city_work/forward-$1.log" &
    city_forward_pid[$1]=$!
}
city_forward_stop () {
    [ -n "${city_forward_pid[$1]:-}" ] && kill "${city_forward_pid[$1]}" 2>/dev/null && wait "${city_forward_pid[$1]}" 2>/dev/null
    city_forward_pid[$1]=
}

# city_send DISTRICT FILE: the district's collector delivers FILE (a CSV).
city_send () {
    local unit=$city_work/$1/unit
    mkdir -p "$unit/inbox"
    cp "$2" "$unit/inbox/"
    timeout 60 "$collector_bin" -c "$unit/collector.conf" -l warn run --once 2>>"$city_work/collector-$1.log"
}

city_teardown () {
    local level
    for level in a b; do city_forward_stop $level; done
    for level in a b city; do city_server_stop $level; done
    for level in a b city; do [ -n "${city_pg[$level]:-}" ] && wdm_pg_stop "${city_pg[$level]}"; done
}
