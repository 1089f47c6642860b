#!/usr/bin/env bash
# test_notices: notices when a red warning opens (issue 16, "Notices").
# A real collector delivers maternal mortality above its target to a real
# server, whose warning worker opens a red warning on real PostgreSQL;
# the notices are queued in the same transaction, one per matching
# recipient.  wdmon-notify sends them to a local SMTP server (Debian's
# python3-aiosmtpd) and a local HTTP receiver standing in for 企业微信, 钉钉
# (signed), 飞书 (signed) and a generic webhook: with both down each notice
# waits (pending, attempts counted, a reason), and is sent once when they
# are back; sending again, or a restarted sender, sends nothing twice.
# The mail password, the bots' keys and secrets are in no log and no
# listing.
#
# Usage: test_notices.sh WDMON WDMON_SERVER WDMON_COLLECTOR WDMON_NOTIFY
set -u
. "$(dirname "$0")/lib.sh"
wdmon=$1 server_bin=$2 collector_bin=$3 notify_bin=$4
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3   # Debian's, which has python3-aiosmtpd
wdm_test_need_pg
"$python" -c 'import aiosmtpd' 2>/dev/null || { echo "python3-aiosmtpd is not installed"; exit 77; }

work=$(mktemp -d /tmp/wdm_test_notices.XXXXXX)
port=$((12000 + $$ % 12000))
endpoint="tcp://127.0.0.1:$port" smtp_port=$((port + 1)) http_port=$((port + 2))
server_pid= smtp_pid= hook_pid= notify_pid=
cleanup () {
    for pid in $server_pid $smtp_pid $hook_pid $notify_pid; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${WDM_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The secrets, each one a string that must never show up.
mail_password=mail-pw-Q7x9
wecom_key=WECOMKEY-3f9a
ding_token=DINGTOKEN-8c21 ding_secret=SECding-55e0
feishu_token=FEISHUTOKEN-aa10 feishu_secret=feishu-secret-7b3
secrets=("$mail_password" "$wecom_key" "$ding_token" "$ding_secret" "$feishu_token" "$feishu_secret")

wdm_test_db wdm_test_notices
wdm_test_migrate "$wdmon"
w () { "$wdmon" --db "$conn" "$@"; }
"$wdmon" server-key "$work" >/dev/null || exit 2
w unit add health_commission --bundle "$work/hc" --server-key "$work/server.pub" --endpoint "$endpoint" \
    >/dev/null || exit 2

# Who gets what: the office by mail (red), a leader the daily digest only,
# the health commission about its own warnings (yellow and red), the
# education bureau about its own only (so not about maternal mortality),
# and a group bot of each kind.
mkdir -p "$work/bots" "$work/mail" "$work/hooks"
umask 077
printf 'url = http://127.0.0.1:%s/wecom/send?key=%s\n' "$http_port" "$wecom_key" >"$work/bots/wecom"
printf '# 钉钉 group bot\nurl = http://127.0.0.1:%s/dingtalk/send?access_token=%s\nsecret = %s\n' \
    "$http_port" "$ding_token" "$ding_secret" >"$work/bots/dingtalk"
printf 'url = http://127.0.0.1:%s/feishu/hook/%s\nsecret = %s\n' "$http_port" "$feishu_token" "$feishu_secret" \
    >"$work/bots/feishu"
printf 'url = http://127.0.0.1:%s/webhook\n' "$http_port" >"$work/bots/webhook"
printf '%s\n' "$mail_password" >"$work/mail.password"
umask 022
w notices recipient add office --channel mail --to office@wdmon.test >/dev/null || exit 2
w notices recipient add leader --channel mail --to leader@wdmon.test --role leader --no-change >/dev/null || exit 2
w notices recipient add hc --channel mail --to hc@wdmon.test --role unit --unit health_commission --level yellow \
    >/dev/null || exit 2
w notices recipient add edu --channel mail --to edu@wdmon.test --role unit --unit education_bureau --level yellow \
    >/dev/null || exit 2
for bot in wecom dingtalk feishu webhook; do
    w notices recipient add "$bot-group" --channel "$bot" --to "$work/bots/$bot" >/dev/null || exit 2
done
# A word that is not one of an option's is refused naming it and the
# words there are, as everywhere (--state once said only what it may be).
for bad in "--state lost" "recipient add x --channel wechat --to x@wdmon.test" \
           "recipient add x --channel mail --to x@wdmon.test --role boss" \
           "recipient add x --channel mail --to x@wdmon.test --level orange"; do
    word=${bad##* }
    [ "${bad#recipient}" != "$bad" ] && word=$(sed -E 's/.*--(channel|role|level) ([a-z]+).*/\2/' <<<"$bad")
    out=$(w notices $bad 2>&1); rc=$?
    check "wdmon notices $bad is refused, naming '$word'" 2 $rc "$out" "cannot be '$word'; it is one of: "
done

cat >"$work/server.conf" <<CONF
[server]
endpoint = $endpoint
secret_key_file = $work/server.key
[database]
conninfo = $conn
[warnings]
interval_ms = 100
today = 2021-01-10
[log]
level = warn
CONF
"$server_bin" -c "$work/server.conf" 2>>"$work/server.log" &
server_pid=$!

mkdir -p "$work/hc/inbox"
cat >"$work/hc/inbox/years.csv" <<'CSV'
indicator,area,year,value,numerator,denominator,status
HE03,wuqing,2024,9.4,,,provisional
CSV
timeout 60 "$collector_bin" -c "$work/hc/collector.conf" -l warn run --once 2>>"$work/collector.log" \
    || fail "the collector did not deliver"
red () { [ "$(q "SELECT level || ' ' || state FROM warning WHERE rule_code = 'not_met'
                  AND indicator_code = 'HE03' AND area_code = 'wuqing' AND year = 2024")" == "red open" ]; }
wait_for 20 red || fail "the server's warning worker opened no red not_met warning for HE03 2024"
sleep 0.5   # a round of the worker more: nothing else opens
expect "the one warning is that red one" "$(q "SELECT string_agg (rule_code || ' ' || level, ',') FROM warning")" \
    "not_met red"
id=$(q "SELECT id FROM warning WHERE rule_code = 'not_met' AND indicator_code = 'HE03' AND year = 2024")

# The notices were queued with the warning: one per matching recipient.
notices () {  # notices RULE: "recipient state" of that rule's HE03 2024 notices, sorted
    q "SELECT string_agg (r.name || ' ' || n.state, ',' ORDER BY r.name) FROM notice n
         JOIN notice_recipient r ON r.id = n.recipient_id WHERE n.warning_id = $id"
}
expect "the red warning queued a notice for each recipient it concerns" "$(notices)" \
    "dingtalk-group pending,feishu-group pending,hc pending,office pending,webhook-group pending,wecom-group pending"
expect "... in the transaction of its warning_event (one event per notice)" \
    "$(q "SELECT count (DISTINCT n.event_id) FROM notice n JOIN warning_event e ON e.id = n.event_id
           WHERE e.warning_id = $id AND e.transition = 'open'")" "1"

# The sender logs in as the server does: a member of wdmon_writer.
psql "$WDM_TEST_PGURI" -qX -c "DO \$\$ BEGIN CREATE ROLE wdm_test_notify LOGIN IN ROLE wdmon_writer;
                               EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null || exit 2
cat >"$work/notify.conf" <<CONF
[database]
conninfo = $conn user=wdm_test_notify
[console]
base_url = http://console.wdmon.test/wdmon/
[smtp]
url = smtp://127.0.0.1:$smtp_port
from = wdmon@wdmon.test
user = wdmon
password_file = $work/mail.password
starttls = no
[notify]
interval_ms = 200
retry_base_s = 30
retry_max_s = 60
digest_hour = 0
timeout_s = 5
CONF
notify () { "$notify_bin" -c "$work/notify.conf" -l debug "$@" 2>>"$work/notify.log"; }

# The mail server and the receiver are down: every notice waits.
notify --once || fail "wdmon-notify --once failed with the receivers down"
expect "with the receivers down nothing is sent, every notice waits" \
    "$(q "SELECT state || ' ' || attempts FROM notice GROUP BY 1 ORDER BY 1")" "pending 1"
expect "... each with the reason" "$(q "SELECT count (*) FROM notice WHERE last_error LIKE '%not %'")" \
    "$(q "SELECT count (*) FROM notice")"
expect "... and the day's digest for the leader is queued and waits too" \
    "$(q "SELECT count (*) FROM notice n JOIN notice_recipient r ON r.id = n.recipient_id
           WHERE r.name = 'leader' AND n.kind = 'digest' AND n.state = 'pending'")" "1"
pending=$(w notices --state pending)
has "wdmon notices --state pending lists them, with the reason" "$pending" "未送达 / not delivered"
has "... to the office" "$pending" "office"
expect "... each to be tried again after the back-off (30 s)" \
    "$(q "SELECT bool_and (next_try_at BETWEEN now () + interval '15 s' AND now () + interval '31 s') FROM notice")" "t"
notify --once
expect "... and a round before then tries none of them again" "$(q "SELECT max (attempts) FROM notice")" "1"

# Back up: each is sent once.
"$python" "$here/notices/smtp_sink.py" "$smtp_port" "$work/mail" wdmon "$mail_password" 2>>"$work/sink.log" &
smtp_pid=$!
"$python" "$here/notices/hook_sink.py" "$http_port" "$work/hooks" "$ding_secret" "$feishu_secret" \
    2>>"$work/sink.log" &
hook_pid=$!
up () { "$python" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null; }
wait_for 10 up "$smtp_port" && wait_for 10 up "$http_port" || fail "the receivers did not start"
q "UPDATE notice SET next_try_at = now ()" >/dev/null   # the back-off has passed
notify --once || fail "wdmon-notify --once failed with the receivers up"
expect "with the receivers back every notice is sent" "$(q "SELECT state || ' ' || attempts FROM notice
                                                             GROUP BY 1 ORDER BY 1")" "sent 2"
expect "one mail each to the office, the health commission and the leader (the digest)" \
    "$(ls "$work/mail" | wc -l)" "3"
expect "one webhook call of each kind" "$(ls "$work/hooks" | wc -l)" "4"

mail_to () { grep -l "^To: $1\$" "$work/mail"/mail-*.txt | head -1; }
office=$(mail_to office@wdmon.test)
[ -n "$office" ] || fail "no mail to the office"
office=${office:-/dev/null}
contains "the office's mail logged in with the configured password" "$office" "Auth: True"
contains "... its subject says red, new, the indicator, the area and the year" "$office" \
    "Subject: 【红色预警·新出现】孕产妇死亡率（武清区，2024年）"
contains "... the value, the target and how far off" "$office" "数值 9.4/10万，目标 8.5/10万，相差 0.9/10万"
contains "... the responsible unit" "$office" "责任单位：区卫生健康委"
contains "... the indicator's page in the console" "$office" "查看指标：http://console.wdmon.test/wdmon/indicator/HE03"
contains "... the warning's history" "$office" "预警历史：http://console.wdmon.test/wdmon/warnings/$id"
contains "... English alongside" "$office" "Red warning opened"
contains "... a Message-ID naming the notice" "$office" "Message-ID: <notice-"
hc=$(mail_to hc@wdmon.test)
contains "the health commission is told about its own warning" "${hc:-/dev/null}" "孕产妇死亡率（武清区，2024年）"
leader=$(mail_to leader@wdmon.test)
contains "the leader's digest counts the open red warnings" "${leader:-/dev/null}" "每日预警摘要"
contains "... and lists this one with its link" "${leader:-/dev/null}" "http://console.wdmon.test/wdmon/warnings/$id"

hook () { grep -l "^/$1" "$work/hooks"/hook-*.txt | head -1; }
for bot in wecom dingtalk feishu webhook; do
    file=$(hook "$bot")
    [ -n "$file" ] || { fail "no call to the $bot receiver"; continue; }
    for text in 孕产妇死亡率 武清区 9.4 8.5 区卫生健康委 "warnings/$id"; do
        contains "the $bot call holds $text" "$file" "$text"
    done
done
body () {  # body BOT PYTHON_EXPR: the expression over the call's JSON body (doc)
    "$python" -c 'import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n", 2)
doc = json.loads(lines[2]); print(eval(sys.argv[2]))' "$(hook "$1")" "$2"
}
expect "企业微信's format: msgtype text, text.content" "$(body wecom 'doc["msgtype"], "孕产妇死亡率" in doc["text"]["content"]')" \
    "('text', True)"
expect "钉钉's format: msgtype text, text.content" "$(body dingtalk 'doc["msgtype"], "9.4" in doc["text"]["content"]')" \
    "('text', True)"
expect "... signed with its secret (timestamp and sign in the URL)" "$(sed -n 2p "$(hook dingtalk)")" "sign ok"
expect "飞书's format: msg_type text, content.text" "$(body feishu 'doc["msg_type"], "8.5" in doc["content"]["text"]')" \
    "('text', True)"
expect "... signed with its secret (timestamp and sign in the body)" "$(sed -n 2p "$(hook feishu)")" "sign ok"
expect "the generic webhook carries the warning's fields" \
    "$(body webhook 'doc["indicator"], doc["area"], doc["level"], doc["value"], doc["target"], doc["warning"]')" \
    "('HE03', 'wuqing', 'red', 9.4, 8.5, $id)"

# Sending again, or a sender restarted, sends nothing twice.
notify --once
"$notify_bin" -c "$work/notify.conf" -l debug 2>>"$work/notify.log" &
notify_pid=$!
sleep 1
kill -TERM "$notify_pid"
wait "$notify_pid"
expect "a restarted sender ends on SIGTERM" "$?" "0"
notify_pid=
expect "... and sends nothing twice: still 3 mails" "$(ls "$work/mail" | wc -l)" "3"
expect "... and 4 webhook calls" "$(ls "$work/hooks" | wc -l)" "4"
w warnings evaluate --today 2021-01-10 >/dev/null
expect "evaluating again queues nothing new for the same warning" "$(q "SELECT count (*) FROM notice")" "7"

# No secret in any log or listing.
w notices >"$work/list.txt"
w notices --format json >>"$work/list.txt"
w notices --format csv >>"$work/list.txt"
w notices recipient list --format json >>"$work/list.txt"
contains "the listing shows the sent notices" "$work/list.txt" "sent"
for secret in "${secrets[@]}"; do
    lacks "the secret ${secret:0:4}… is in no listing" "$work/list.txt" "$secret"
    for log in notify server collector; do
        lacks "... nor in the $log log" "$work/$log.log" "$secret"
    done
    [ -z "$(q "SELECT 1 FROM notice_recipient WHERE target LIKE '%$secret%' UNION ALL
                SELECT 1 FROM notice WHERE last_error LIKE '%$secret%'")" ] \
        || fail "the secret ${secret:0:4}… is stored in the database"
done

# A yellow warning tells only those who asked for yellow; turning red tells
# the red ones once; staying red with a new value tells nobody again.
# (Through warning_raise, the lifecycle function the worker calls.)
raise () {  # raise LEVEL VALUE: the HE05 2024 warning for the district, as the worker would
    q "SELECT warning_raise ((SELECT code FROM plan WHERE current), 'behind_schedule', 'HE05', 'wuqing', 2024,
                             '', NULL, '$1', '宫颈癌筛查率进度落后', 'cervical screening behind', $2, 70, NULL)" >/dev/null
}
told () {  # told: "recipient transition" of the HE05 warning's notices
    q "SELECT string_agg (r.name || ' ' || n.transition, ',' ORDER BY n.transition, r.name) FROM notice n
         JOIN notice_recipient r ON r.id = n.recipient_id JOIN warning w ON w.id = n.warning_id
        WHERE w.indicator_code = 'HE05'"
}
raise yellow 60
expect "a yellow warning tells the health commission only (it asked for yellow)" "$(told)" "hc open"
raise red 50
expect "turning red tells every red recipient once" "$(told)" \
    "hc open,dingtalk-group red,feishu-group red,hc red,office red,webhook-group red,wecom-group red"
raise red 48
expect "... and a new value while red tells nobody again" "$(q "SELECT count (*) FROM notice n JOIN warning w
                                                               ON w.id = n.warning_id WHERE w.indicator_code = 'HE05'")" "7"
w notices recipient remove wecom-group >/dev/null
expect "a removed recipient's pending notices are failed, with the reason" \
    "$(q "SELECT n.state || ' ' || n.last_error FROM notice n JOIN notice_recipient r ON r.id = n.recipient_id
           JOIN warning w ON w.id = n.warning_id WHERE r.name = 'wecom-group' AND w.indicator_code = 'HE05'")" \
    "failed 收件人已移除 / recipient removed"

# Mail over STARTTLS with a login, the way a real mail server takes it: a
# server that takes no login and no mail before STARTTLS, its certificate
# made here.  Not trusted, the mail waits with the reason; trusted through
# [smtp] ca_file, it goes, over TLS.
kill "$smtp_pid" 2>/dev/null; wait "$smtp_pid" 2>/dev/null; smtp_pid=
tls_port=$((port + 3))
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/smtp.key" -out "$work/smtp.crt" 2>/dev/null || fail "openssl could not make the certificate"
mkdir -p "$work/tlsmail"
"$python" "$here/notices/smtp_sink.py" "$tls_port" "$work/tlsmail" wdmon "$mail_password" \
    "$work/smtp.crt" "$work/smtp.key" 2>>"$work/sink.log" &
smtp_pid=$!
wait_for 10 up "$tls_port" || fail "the STARTTLS mail server did not start"
sed -e "s|^url = smtp://.*|url = smtp://127.0.0.1:$tls_port|" -e 's/^starttls = no$/starttls = yes/' \
    "$work/notify.conf" >"$work/notify-tls.conf"
mail_waiting=$(q "SELECT count (*) FROM notice n JOIN notice_recipient r ON r.id = n.recipient_id
                   WHERE r.channel = 'mail' AND n.state = 'pending'")
[ "$mail_waiting" -gt 0 ] || fail "no mail waits to be sent over STARTTLS"
"$notify_bin" -c "$work/notify-tls.conf" -l debug --once 2>>"$work/notify.log"
expect "a mail server whose certificate is not trusted gets no mail" "$(ls "$work/tlsmail" | wc -l)" "0"
expect "... the mails wait, each with the reason" \
    "$(q "SELECT count (*) FROM notice n JOIN notice_recipient r ON r.id = n.recipient_id
           WHERE r.channel = 'mail' AND n.state = 'pending' AND n.last_error LIKE '%mail not sent%'")" "$mail_waiting"
sed -i "s|^\[smtp\]$|[smtp]\nca_file = $work/smtp.crt|" "$work/notify-tls.conf"
q "UPDATE notice SET next_try_at = now ()" >/dev/null
"$notify_bin" -c "$work/notify-tls.conf" -l debug --once 2>>"$work/notify.log" \
    || fail "wdmon-notify --once failed with [smtp] ca_file"
expect "trusted through [smtp] ca_file, every waiting mail is sent" "$(ls "$work/tlsmail" | wc -l)" "$mail_waiting"
expect "... each over TLS, after the login" "$(cat "$work/tlsmail"/mail-*.txt | grep -c '^TLS: True$')" "$mail_waiting"
expect "... logged in" "$(cat "$work/tlsmail"/mail-*.txt | grep -c '^Auth: True$')" "$mail_waiting"
lacks "the password is not in the log" "$work/notify.log" "$mail_password"

wdm_test_drop_db
wdm_test_end test_notices
