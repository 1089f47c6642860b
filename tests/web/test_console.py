#!/usr/bin/python3
"""test_console: the web console as office users see it, in headless Chromium.

Run by test_console.sh, which sets up the database, the accounts and a
wdmon-web on WDM_WEB_URL; WDM_TEST_CONN is the libpq string of the
database, read with psql to hold the pages against it, and WDM_WDMON the
wdmon program, whose report the overview and indicator pages must agree
with.  Each check prints
"ok: ..." or "FAIL: ..."; the exit status is the number of failures
(capped).  WDM_CONSOLE_SCREENSHOTS=DIR keeps screenshots of the warnings
page there.
"""

import csv
import io
import os
import subprocess
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["WDM_WEB_URL"]
CONN = os.environ["WDM_TEST_CONN"]
WDMON = os.environ["WDMON"]
SHOTS = os.environ.get("WDM_CONSOLE_SCREENSHOTS")
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


def q1(sql):
    rows = q(sql)
    return rows[0][0] if rows else None


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,768", "--lang=zh-CN"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


driver = browser()


def console_errors(refused=False):
    """The browser console's errors since the last call.  refused: the page
    was refused on purpose, so Chromium's own line about its status code
    is expected and left out."""
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if refused:
        errors = [m for m in errors if "the server responded with a status of" not in m]
    return errors


def no_console_errors(where, refused=False):
    errors = console_errors(refused)
    check("no console error on " + where, not errors, "; ".join(errors))


def text():
    return driver.find_element(By.TAG_NAME, "body").text


def gone(element):
    """A wait's condition: the element's page has been replaced.  Chromium may
    answer the check while the old document is being torn down with "Node
    with given id does not belong to the document": gone too."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True
    return check


def submit(element_id):
    """Click a form's button and wait for the page it leads to."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, element_id).click()
    WebDriverWait(driver, 20).until(gone(page))


def go(path):
    driver.get(URL + path)


def login(user, password=None):
    go("/login")
    driver.find_element(By.ID, "login").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password or "secret-" + user)
    submit("submit")


def logout():
    submit("logout")


def listed_ids():
    """The warnings listed, by number, in the page's order (one round trip)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#warnings tbody tr')).map(r => r.dataset.id)")


# --- Each role logs in and is told what it can do -------------------------------
for user, role in (("leader", "viewer"), ("wang", "operator"), ("admin", "administrator"), ("hc", "unit user")):
    login(user)
    check("%s logs in and lands on the home page" % user, driver.current_url == URL + "/",
          driver.current_url)
    check("the home page names %s's role (%s)" % (user, role), role in driver.find_element(By.ID, "role").text,
          driver.find_element(By.ID, "role").text)
    no_console_errors("the home page of " + user)
    logout()
    check("%s logs out back to the login page" % user, driver.current_url.endswith("/login"))
    go("/warnings")
    check("after logging out, /warnings asks to log in", driver.current_url.endswith("/login"))
expect("every login and logout is audited",
       q1("SELECT count(*) FILTER (WHERE action = 'login') || ' ' || count(*) FILTER (WHERE action = 'logout')"
          " FROM console_audit"), "4 4")

# --- Filtering, held against the database --------------------------------------
login("wang")
go("/warnings")
no_console_errors("the warnings page")
Select(driver.find_element(By.ID, "f-level")).select_by_value("red")
Select(driver.find_element(By.ID, "f-rule")).select_by_value("missing")
submit("filter")
wanted = [r[0] for r in q("SELECT id FROM warning WHERE level = 'red' AND rule_code = 'missing'"
                          " ORDER BY state <> 'resolved' DESC, level DESC, updated_at DESC, id DESC")]
check("the red missing-report warnings exist in the data set", len(wanted) > 2, str(len(wanted)))
expect("filtered by level and rule: the rows are the database's, in its order", listed_ids(), wanted)
check("the count says how many", ("共 %d 条" % len(wanted)) in driver.find_element(By.ID, "count").text,
      driver.find_element(By.ID, "count").text)
expect("the filter form keeps what was chosen",
       Select(driver.find_element(By.ID, "f-rule")).first_selected_option.get_attribute("value"), "missing")

go("/warnings?indicator=HE05&area=wuqing&year=2024")
wanted = [r[0] for r in q("SELECT id FROM warning WHERE indicator_code = 'HE05' AND area_code = 'wuqing'"
                          " AND year = 2024 ORDER BY state <> 'resolved' DESC, level DESC, updated_at DESC,"
                          " id DESC")]
expect("filtered by indicator, area and year: the database's rows", listed_ids(), wanted)
go("/warnings?unit=health_commission&state=open")
wanted = q1("SELECT count(*) FROM warning w WHERE state = 'open' AND (unit_code = 'health_commission' OR EXISTS"
            " (SELECT 1 FROM responsibility r WHERE r.indicator_code = w.indicator_code"
            "  AND r.unit_code = 'health_commission' AND r.lead))")
expect("filtered by unit and state: as many as wdmon warnings --unit finds", str(len(listed_ids())), wanted)
go("/warnings?rule=no_such_rule")
check("a rule the database does not know is refused, as the CLI refuses it",
      "没有规则 no_such_rule" in text() and "not_met" in driver.find_element(By.ID, "filter-error").text, text()[:300])
no_console_errors("a refused filter", refused=True)

# --- Acknowledge two with one note; see the history; add a follow-up note -------
go("/warnings?state=open&rule=missing")
boxes = driver.find_elements(By.CSS_SELECTOR, "#warnings input[name=id]")
check("an operator has a box before each open warning", len(boxes) == len(listed_ids()) and len(boxes) > 2)
first, second = boxes[0].get_attribute("value"), boxes[1].get_attribute("value")
boxes[0].click()
boxes[1].click()
note = "已电话督促区人社局补报 <b>&</b> 本周内完成"
driver.find_element(By.ID, "note").send_keys(note)
submit("ack")
no_console_errors("the acknowledgement's result")
results = driver.find_element(By.ID, "results").text
check("the result says both were acknowledged", results.count("已确认") == 2, results)
expect("both are acknowledged in the database with the one note and the operator's name",
       q("SELECT state, ack_note, acknowledged_by FROM warning WHERE id IN (%s, %s) ORDER BY id"
         % (first, second)), [["acknowledged", note, "王芳 (wang)"]] * 2)
go("/warnings/" + first)
history = driver.find_element(By.ID, "events").text
check("the warning's history shows the acknowledgement with its note, as typed (escaped, not markup)",
      "确认 / acknowledged" in history and note in history and "王芳 (wang)" in history, history)
driver.find_element(By.ID, "note").send_keys("已上报分管区领导")
submit("add-note")
history = driver.find_element(By.ID, "events").text
check("a follow-up note (督办) is added to the history", "督办备注" in history and "已上报分管区领导" in history,
      history)
expect("the note is a warning_event of the database",
       q1("SELECT count(*) FROM warning_event WHERE warning_id = %s AND transition = 'note'"
          " AND note = '已上报分管区领导'" % first), "1")
expect("the acknowledgements and the note are audited",
       q1("SELECT string_agg (action || ' ' || object, ',' ORDER BY id) FROM console_audit"
          " WHERE action IN ('acknowledge', 'note')"),
       "acknowledge warning %s,acknowledge warning %s,note warning %s" % (first, second, first))
no_console_errors("a warning's page")

if SHOTS:
    go("/warnings?open=1")
    driver.save_screenshot(os.path.join(SHOTS, "console-warnings.png"))
    driver.set_window_size(412, 915)
    go("/warnings?open=1&level=red")
    driver.save_screenshot(os.path.join(SHOTS, "console-warnings-phone.png"))
    driver.set_window_size(1366, 768)
    ok("screenshots kept in " + SHOTS)

# --- A form without its CSRF token is refused -----------------------------------
go("/warnings?state=open&level=yellow&rule=not_met")
target = driver.find_elements(By.CSS_SELECTOR, "#warnings input[name=id]")[0]
target_id = target.get_attribute("value")
target.click()
driver.find_element(By.ID, "note").send_keys("没有令牌 / no token")
driver.execute_script("document.querySelector('#ack-form input[name=csrf]').remove()")
submit("ack")
check("a POST without the CSRF token is refused with a page that says so",
      "403" in text() and "CSRF" in text(), text()[:300])
expect("... and the warning is left open", q1("SELECT state FROM warning WHERE id = %s" % target_id), "open")
no_console_errors("the CSRF refusal", refused=True)
logout()

# --- A viewer reads but cannot acknowledge, not even by a forged form -----------
login("leader")
go("/warnings?state=open&level=yellow")
check("a viewer sees the warnings", len(listed_ids()) > 0)
check("a viewer has no acknowledge control",
      not driver.find_elements(By.ID, "ack") and not driver.find_elements(By.CSS_SELECTOR, "input[name=id]"))
go("/warnings/" + target_id)
check("a viewer has no note form on a warning's page", not driver.find_elements(By.ID, "note-form"))
page = driver.find_element(By.TAG_NAME, "html")
driver.execute_script("""
    var f = document.createElement('form'); f.method = 'post'; f.action = '/warnings/ack';
    var fields = {csrf: document.querySelector('input[name=csrf]').value, id: arguments[0], note: 'forged'};
    for (var k in fields) { var i = document.createElement('input'); i.name = k; i.value = fields[k];
                            f.appendChild(i); }
    document.body.appendChild(f); f.submit();""", target_id)
WebDriverWait(driver, 20).until(gone(page))
check("a viewer's forged acknowledgement (with a valid CSRF token) is refused",
      "403" in text() and "无权操作" in text(), text()[:300])
expect("... and the warning is left open", q1("SELECT state FROM warning WHERE id = %s" % target_id), "open")
no_console_errors("the viewer's refusal", refused=True)
logout()

# --- A unit user sees its own unit's warnings only -------------------------------
login("hc")
go("/warnings")
mine = {r[0] for r in q("SELECT id FROM warning w WHERE unit_code = 'health_commission' OR EXISTS"
                        " (SELECT 1 FROM responsibility r WHERE r.indicator_code = w.indicator_code"
                        "  AND r.unit_code = 'health_commission' AND r.lead)")}
shown = set(listed_ids())
check("a unit user sees its unit's warnings", len(shown) > 0 and shown <= mine,
      "%d shown, %d not its unit's" % (len(shown), len(shown - mine)))
expect("... all of them", len(shown), len(mine))
other = q1("SELECT min(id) FROM warning w WHERE unit_code IS DISTINCT FROM 'health_commission' AND NOT EXISTS"
           " (SELECT 1 FROM responsibility r WHERE r.indicator_code = w.indicator_code"
           "  AND r.unit_code = 'health_commission' AND r.lead)")
go("/warnings/" + other)
check("another unit's warning by its URL is not shown", "没有此预警" in text() and "历史" not in text(),
      text()[:300])
go("/warnings?unit=education_bureau")
check("asking for another unit's warnings is refused", "403" in text() and "本单位" in text(), text()[:300])
check("a unit user has no acknowledge control", not driver.find_elements(By.ID, "ack"))
no_console_errors("the unit user's refusals", refused=True)
logout()

# --- Tables: the area, unit and completeness pages, and their downloads ----------
def table_rows(table_id):
    """The cells of a table's body rows as the page shows them (one round trip)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + CSS.escape(arguments[0]) + ' tbody tr'))"
        ".filter(r => !r.querySelector('td.empty'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent.trim()))", table_id)


def fetch(path):
    """GET path with the browser's session: (status, content type, body bytes)."""
    cookies = "; ".join("%s=%s" % (c["name"], c["value"]) for c in driver.get_cookies())
    request = urllib.request.Request(URL + path, headers={"Cookie": cookies})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read(), error.headers


def download_rows(table_id, kind):
    """The rows of a table's download (kind csv or xlsx) by its link on the page,
    header first, each cell as text (numbers as the page writes them)."""
    href = driver.find_element(By.ID, table_id + "-" + kind).get_attribute("href")
    status, ctype, body, headers = fetch(href[len(URL):])
    check("the %s download of %s answers 200" % (kind, table_id), status == 200, "%s %s" % (status, ctype))
    check("... as an attachment named after the table",
          ("wdmon-%s.%s" % (table_id, kind)) in (headers.get("Content-Disposition") or ""),
          str(headers.get("Content-Disposition")))
    if kind == "csv":
        check("... CSV in UTF-8 with a BOM", body.startswith(b"\xef\xbb\xbf") and "text/csv" in ctype, ctype)
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else v for v in row])
    return rows


def same_cells(page, got):
    """Whether a download's rows hold the page's cells: text alike, numbers equal."""
    if len(page) != len(got):
        return False
    for a, b in zip(page, got):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if isinstance(y, (int, float)) and not isinstance(y, bool):
                if float(x) != float(y):
                    return False
            elif x != y:
                return False
    return True


login("leader")
go("/completeness?year=2024")
no_console_errors("the completeness page")
page = table_rows("completeness-2024")
cli = subprocess.run([WDMON, "--db", CONN, "-l", "warn", "completeness", "--year", "2024", "--format", "csv"],
                     check=True, capture_output=True, text=True).stdout
cli_rows = list(csv.reader(io.StringIO(cli)))[1:]
check("the completeness page lists units", len(page) > 3, str(len(page)))
expect("the completeness page's cells are those of wdmon completeness --format csv", page, cli_rows)
for kind in ("csv", "xlsx"):
    got = download_rows("completeness-2024", kind)
    check("the completeness %s download has a header in both languages" % kind,
          got and got[0][0] == "单位 / Unit" and got[0][5] == "缺报 / Missing", str(got[:1]))
    check("the completeness %s download holds the page's rows" % kind, same_cells(page, got[1:]),
          "%r vs %r" % (page[:2], got[1:3]))
    if kind == "xlsx":
        check("... the counts as numbers in .xlsx", all(isinstance(r[2], int) for r in got[1:]), str(got[1:2]))
reports = table_rows("reports-2024")
expect("the per-indicator table has as many rows as reports owed",
       str(len(reports)), q1("SELECT count(*) FROM report_owed r JOIN plan p ON p.current"
                             " WHERE r.year = 2024 AND p.code = ANY (r.plans)"))
go("/completeness?year=2031")
check("a year outside the plan is refused, naming the nearest", "2031" in text() and "2025" in text()
      and "404" in text(), text()[:300])
go("/completeness?plan=no-such-plan")
check("an unknown plan is refused, naming it and the plans there are",
      "no-such-plan" in text() and "wuqing-women-2021-2025" in text() and "404" in text(), text()[:300])
no_console_errors("the refused year and plan", refused=True)

go("/area/wuqing")
no_console_errors("the district's area page")
page = table_rows("area-wuqing-indicators")
expect("the area page lists every indicator of the plan", str(len(page)),
       q1("SELECT count(*) FROM plan_target t JOIN plan p ON p.code = t.plan_code AND p.current WHERE t.active"))
latest = {r[0]: (r[1], r[2]) for r in q(
    "SELECT DISTINCT ON (v.indicator_code) v.indicator_code, v.year, v.value FROM indicator_value v"
    " JOIN plan_target t ON t.indicator_code = v.indicator_code JOIN plan p ON p.code = t.plan_code AND p.current"
    " WHERE v.area_code = 'wuqing' AND v.year <= p.period_end ORDER BY v.indicator_code, v.year DESC")}
shown = {r[0]: (r[4], r[5]) for r in page if r[4]}
check("the district has values in the data set", len(latest) > 3, str(len(latest)))
check("each indicator's latest year and value are the database's",
      set(shown) == set(latest) and all(shown[k][0] == latest[k][0] and float(shown[k][1]) == float(latest[k][1])
                                        for k in latest), "%r vs %r" % (shown, latest))
he05 = [r for r in page if r[0] == "HE05"][0]
expect("an indicator with an open red 'unlikely' warning is 预计达标困难, as the report says", he05[8],
       "预计达标困难 / unlikely to be met" if q1("SELECT count(*) FROM warning WHERE indicator_code = 'HE05'"
                                                  " AND area_code = 'wuqing' AND level = 'red'"
                                                  " AND rule_code = 'unlikely' AND state <> 'resolved'") != "0"
       else "(no such warning in the data set)")
warned = table_rows("area-wuqing-warnings")
expect("the area's warnings are its warnings not resolved", str(len(warned)),
       q1("SELECT count(*) FROM warning w JOIN plan p ON p.code = w.plan_code AND p.current"
          " WHERE area_code = 'wuqing' AND state <> 'resolved'"))
for kind in ("csv", "xlsx"):
    got = download_rows("area-wuqing-indicators", kind)
    check("the area's %s download holds the page's rows" % kind, same_cells(page, got[1:]),
          "%r vs %r" % (page[:3], got[1:4]))
go("/area/wuqin")
check("a mistyped area is a 404 naming the nearest", "404" in text() and "wuqing" in text(), text()[:300])
no_console_errors("the mistyped area", refused=True)

go("/units")
no_console_errors("the units page")
never = sorted(r[0] for r in table_rows("units-never"))
expect("the units that never delivered are those with no batch and no record",
       never, [r[0] for r in q("SELECT code FROM member_unit u WHERE active"
                               " AND NOT EXISTS (SELECT 1 FROM ingest_batch b WHERE b.unit_code = u.code)"
                               " AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.unit_code = u.code)"
                               " ORDER BY code")])
go("/unit/health_commission")
no_console_errors("a unit's page")
expect("a unit's responsibilities are the database's",
       [r[0] for r in table_rows("unit-health_commission-responsibility")],
       [r[0] for r in q("SELECT r.indicator_code FROM responsibility r JOIN plan_target t"
                        " ON t.indicator_code = r.indicator_code AND t.active JOIN plan p ON p.code = t.plan_code"
                        " AND p.current JOIN domain d ON d.plan_code = t.plan_code AND d.code = t.domain_code"
                        " WHERE r.unit_code = 'health_commission' ORDER BY d.ordinal, t.ordinal")])
expect("what it has stored, batch by batch, is the database's",
       sum(int(r[4]) for r in table_rows("unit-health_commission-deliveries")),
       int(q1("SELECT count(*) FROM observation WHERE unit_code = 'health_commission'")))
logout()

login("hc")
go("/unit/health_commission")
check("a unit user opens its own unit's page", "区卫生健康委" in text() and "403" not in text(), text()[:200])
go("/unit/hrss_bureau")
check("a unit user cannot open another unit's page", "403" in text() and "本单位" in text(), text()[:300])
status, ctype, body, headers = fetch("/unit/hrss_bureau?format=csv&table=unit-hrss_bureau-deliveries")
check("... nor download its tables", status == 403 and "text/csv" not in ctype, "%s %s" % (status, ctype))
status, ctype, body, headers = fetch("/unit/hrss_bureau?format=xlsx&table=unit-hrss_bureau-owed")
check("... in either format", status == 403 and "spreadsheet" not in ctype, "%s %s" % (status, ctype))
go("/completeness?year=2024")
expect("a unit user's completeness page holds its own unit only",
       [r[0] for r in table_rows("completeness-2024")], ["health_commission"])
no_console_errors("the unit user's pages", refused=True)
logout()

# --- Five wrong passwords lock the next try, even with the right one --------------
for attempt in range(5):
    login("locky", "wrong-password-%d" % attempt)
check("a wrong password is said", "账号或密码不正确" in text(), text()[:200])
login("locky")
check("after five wrong passwords even the right one is refused, and the page says so",
      "锁定" in text() and "15" in text() and not driver.current_url.endswith(URL + "/"), text()[:300])
expect("the attempts are recorded", q1("SELECT string_agg (outcome, ',' ORDER BY id) FROM console_login_attempt"
                                       " WHERE login = 'locky'"), "wrong,wrong,wrong,wrong,wrong,locked")
expect("failed logins are audited", q1("SELECT count(*) FROM console_audit WHERE action = 'login_failed'"
                                       " AND login = 'locky'"), "5")
console_errors(refused=True)

driver.quit()
print("test_console: %d failed" % failures)
sys.exit(min(failures, 100))
