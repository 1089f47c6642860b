#!/usr/bin/env python3
"""test_console_unitrep: the console's reports page making a member unit's
and a town's report, who may make and read which, and the notices page,
held against `wdmon report --unit/--area` and `wdmon notices` (issue 16).
test_console_unitrep.sh sets the stage and runs this."""

import csv
import http.cookiejar
import io
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["WDM_WEB_URL"]
CONN = os.environ["WDM_TEST_CONN"]
WDMON = os.environ["WDMON"]
BOT_FILE = os.environ["WDM_BOT_FILE"]
failures = 0


def ok(what):
    print("ok: " + what)


def fail(what):
    global failures
    failures += 1
    print("FAIL: " + what)


def check(what, condition, detail=""):
    if condition:
        ok(what)
    else:
        fail(what + (": " + detail if detail else ""))


def expect(what, got, wanted):
    check(what, got == wanted, "got %r, wanted %r" % (got, wanted))


def q(sql):
    """The rows of one query, each a list of text fields."""
    out = subprocess.run(["psql", CONN, "-qXAt", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                          "-c", "SET search_path = wdmon", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def cli(*args):
    """(exit code, standard output, standard error) of wdmon ARGS."""
    done = subprocess.run([WDMON, "--db", CONN, "-l", "warn"] + list(args), capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def cli_report(*args):
    """The CSV `wdmon report --year 2024 ARGS --format csv` writes."""
    with tempfile.TemporaryDirectory(prefix="wdm_test_unitrep.") as scratch:
        path = os.path.join(scratch, "report.csv")
        rc, _, err = cli("report", "--year", "2024", "--format", "csv", "-o", path, *args)
        check("wdmon report %s writes its CSV" % " ".join(args), rc == 0, err)
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()


def login(who):
    """An opener holding who's session cookie."""
    jar = http.cookiejar.CookieJar()
    session = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = session.open(URL + "/login", timeout=30).read().decode("utf-8")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    session.open(urllib.request.Request(URL + "/login", data=urllib.parse.urlencode(
        {"csrf": csrf, "login": who, "password": "secret-" + who}).encode()), timeout=30).read()
    return session


def page(session, path, form=None):
    """(status, text, headers, final URL) of a page; form: POST it with the session's CSRF token."""
    data = None
    if form is not None:
        text = session.open(URL + "/", timeout=60).read().decode("utf-8")
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
        data = urllib.parse.urlencode(dict(form, csrf=match.group(1) if match else "")).encode()
    try:
        response = session.open(urllib.request.Request(URL + path, data=data), timeout=120)
        return response.status, response.read().decode("utf-8"), response.headers, response.url
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), error.headers, path


def rows(text):
    """The records of a CSV text after its heading, BOM and line ends aside."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]


def made():
    return int(q("SELECT count (*) FROM console_report")[0][0])


plan = q("SELECT code FROM plan WHERE current")[0][0]
operator, viewer, hc, edu = login("wang"), login("leader"), login("hc"), login("edu")

# --- The reports page: a unit's and a town's report --------------------------------

status, text, _, _ = page(operator, "/reports")
check("an operator's form offers each member unit", 'value="unit:health_commission"' in text
      and 'value="unit:town_meichang"' in text, text[:300])
check("... and each town and street", 'value="area:meichang"' in text and 'value="area:yangcun"' in text)
check("... and the district", '<option value="">全区' in text)


def make(session, scope, lang="zh"):
    return page(session, "/reports/make", {"plan": plan, "year": "2024", "lang": lang, "scope": scope})


status, text, _, where = make(operator, "unit:health_commission")
check("making health_commission's 2024 report leads to it", status == 200 and re.search(r"/reports/\d+$", where),
      "%s %d %s" % (where, status, re.sub(r"<[^>]+>", " ", text)[-300:]))
unit_id = where.rsplit("/", 1)[-1]
check("its page names the unit", "区卫生健康委" in text, re.sub(r"<[^>]+>", " ", text)[:300])
expect("it is kept as the unit's", q("SELECT coalesce (unit_code, ''), coalesce (area_code, '') FROM console_report"
                                     " WHERE id = %s" % unit_id), [["health_commission", ""]])
status, body, _, _ = page(operator, "/reports/%s/report.csv" % unit_id)
expect("its CSV is wdmon report --unit health_commission's", body, cli_report("--unit", "health_commission"))
shown = dict(re.findall(r'<dd data-key="([a-z_]+)">(\d+)</dd>', text))
with tempfile.TemporaryDirectory(prefix="wdm_test_unitrep.") as scratch:
    _, _, err = cli("report", "--year", "2024", "--unit", "health_commission", "-o", os.path.join(scratch, "r.html"))
counts = re.search(r"(\d+) indicators with targets — (\d+) met, (\d+) on track, (\d+) behind, (\d+) unlikely"
                   r" to be met, (\d+) not reported; (\d+) red and (\d+) yellow", err)
keys = ["indicators", "met", "on_track", "behind", "unlikely", "not_reported", "open_red", "open_yellow"]
expect("its summary on the page is wdmon report --unit's", [shown.get(k) for k in keys],
       list(counts.groups()) if counts else None)

status, text, _, where = make(operator, "area:meichang", "en")
check("making meichang's report leads to it", status == 200 and re.search(r"/reports/\d+$", where), where)
area_id = where.rsplit("/", 1)[-1]
check("its page names the town", "梅厂镇" in text, re.sub(r"<[^>]+>", " ", text)[:300])
status, body, _, _ = page(viewer, "/reports/%s/report.csv" % area_id)
expect("its CSV is wdmon report --area meichang --lang en's", body,
       cli_report("--area", "meichang", "--lang", "en"))
status, text, _, where = make(operator, "")
district_id = where.rsplit("/", 1)[-1]
check("the district's report is made as before", status == 200 and district_id.isdigit(), where)
status, body, _, _ = page(operator, "/reports/%s/report.html" % district_id)
check("... with the leaders' summary in front", 'id="leaders"' in body and "领导摘要" in body)

before = made()
status, text, _, _ = make(operator, "unit:helth_commission")
check("an unknown unit: 400 naming the nearest", status == 400 and "health_commission" in text, text[-300:])
status, text, _, _ = make(operator, "area:meichan")
check("an unknown area: 400 naming the nearest", status == 400 and "meichang" in text, text[-300:])
expect("no report was made of them", made(), before)

# --- A unit user: its own unit's reports only ----------------------------------------

status, text, _, _ = page(hc, "/reports")
check("a unit user has a reports page", status == 200, text[:200])
offered = re.findall(r'<option value="((?:unit|area):[^"]*)"', text)
expect("its form offers its own unit only", offered, ["unit:health_commission"])
check("... not the district", '<option value="">全区' not in text)
listed = re.findall(r'data-id="(\d+)"', text)
expect("it lists its unit's reports only", listed, [unit_id])
for scope in ["unit:education_bureau", "", "area:meichang"]:
    status, text, _, _ = make(hc, scope)
    expect("a unit user cannot make %r: 403" % scope, status, 403)
expect("no report was made by it", made(), before)
check("the refusal is audited", int(q("SELECT count (*) FROM console_audit WHERE login = 'hc'"
                                      " AND action = 'forbidden' AND object = '/reports/make'")[0][0]) == 3)
status, text, _, where = make(hc, "unit:health_commission")
check("a unit user makes its own unit's report", status == 200 and re.search(r"/reports/\d+$", where), where)
own_id = where.rsplit("/", 1)[-1]
for other in [district_id, area_id]:
    status, _, _, _ = page(hc, "/reports/%s" % other)
    expect("a unit user cannot read report %s (not its unit's): 404" % other, status, 404)
    status, _, _, _ = page(hc, "/reports/%s/report.csv?download=1" % other)
    expect("... nor download it", status, 404)
status, _, _, _ = page(edu, "/reports/%s/report.html" % own_id)
expect("another unit cannot read health_commission's report: 404", status, 404)
status, text, _, _ = page(edu, "/reports")
expect("... nor sees it listed", re.findall(r'data-id="(\d+)"', text), [])
status, _, _, _ = page(hc, "/reports/%s/report.html" % unit_id)
expect("the unit reads its report the operator made", status, 200)

# --- The notices page ------------------------------------------------------------------

status, text, _, _ = page(operator, "/notices")
check("an operator's notices page", status == 200 and "通知" in text, text[:300])
check("... linked from the navigation", 'href="/notices"' in text)
_, cli_all, _ = cli("notices", "--format", "csv")
wanted = rows(cli_all)
check("there are notices to show", len(wanted) >= 3, cli_all[:300])
states = sorted(set(r[1] for r in wanted))
expect("... sent, pending and failed", states, ["failed", "pending", "sent"])
status, body, _, _ = page(operator, "/notices?format=csv&table=notices")
expect("the page's rows are wdmon notices' rows", rows(body), wanted)
html_ids = re.findall(r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>", text)
expect("... and its table shows them, the newest 1000 at most", html_ids, [r[0] for r in wanted][:1000])
for state in ["pending", "sent", "failed"]:
    _, out, _ = cli("notices", "--state", state, "--format", "csv")
    status, body, _, _ = page(operator, "/notices?state=%s&format=csv&table=notices" % state)
    expect("filtered by state %s: wdmon notices --state %s's rows" % (state, state), rows(body), rows(out))
status, text, _, _ = page(operator, "/notices?state=failed")
check("a failed notice shows its reason", "HTTP 502 from the webhook" in text, text[-500:])
check("... and its attempts", ">8<" in text)
status, text, _, _ = page(operator, "/notices?state=pending")
check("a pending notice shows why its last attempt failed", "connection refused" in text)
status, text, _, _ = page(operator, "/notices?state=lost")
check("an unknown state: 400 naming the states", status == 400 and "pending" in text and "lost" in text,
      text[-300:])
for who, session in [("operator", operator), ("viewer", viewer), ("administrator", login("admin"))]:
    status, text, _, _ = page(session, "/notices")
    expect("the %s reads the notices page" % who, status, 200)
    for secret in ["BOT-URL-KEY", "SIGNING-SECRET", BOT_FILE, "office@wdmon.test"]:
        check("... which never shows %s" % secret, secret not in text)
    status, body, _, _ = page(session, "/notices?format=csv&table=notices")
    check("... nor its download", not any(s in body for s in ["BOT-URL-KEY", "SIGNING-SECRET", BOT_FILE]))
# A year of notices after a bulk load is tens of thousands (34,000
# warnings opened at once): the page shows the newest 1,000 and says how
# many there are, as the warnings page does; the download still holds
# every one, as `wdmon notices` lists them.
q("INSERT INTO notice (recipient_id, kind, digest_day, state, attempts, sent_at)"
  " SELECT (SELECT min (id) FROM notice_recipient), 'digest', date '2001-01-01' + k, 'sent', 1, now ()"
  "   FROM generate_series (1, 1500) k")
total = int(q("SELECT count (*) FROM notice")[0][0])
newest = q("SELECT max (id) FROM notice")[0][0]
status, text, _, _ = page(operator, "/notices")
html_ids = re.findall(r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>", text)
expect("%d notices: the page shows the newest 1000" % total, (len(html_ids), html_ids[:1]), (1000, [newest]))
count = re.search(r'<p id="count">(.*?)</p>', text)
check("... and says how many there are, and that the first 1000 are shown",
      count is not None and "共 %d 条" % total in count.group(1) and "the first 1000 shown" in count.group(1),
      count.group(1) if count else text[:300])
_, cli_all, _ = cli("notices", "--format", "csv")
status, body, _, _ = page(operator, "/notices?format=csv&table=notices")
expect("... its download holds all %d, as wdmon notices lists them" % total, (len(rows(body)), rows(body) == rows(cli_all)),
       (total, True))
status, text, _, _ = page(operator, "/notices?state=failed")
count = re.search(r'<p id="count">(.*?)</p>', text)
check("filtered, the count is of the state's notices, all shown",
      count is not None and "共 1 条" in count.group(1) and "shown" not in count.group(1),
      count.group(1) if count else text[:300])
q("DELETE FROM notice WHERE kind = 'digest' AND digest_day > date '2001-01-01'")

status, text, _, _ = page(hc, "/notices")
expect("a unit user has no notices page: 403", status, 403)
status, text, _, _ = page(hc, "/")
check("... nor a link to it", 'href="/notices"' not in text)

print("test_console_unitrep: %d failed" % failures)
sys.exit(min(failures, 100))
