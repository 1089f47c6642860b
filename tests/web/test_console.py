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

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["WDM_WEB_URL"]
CONN = os.environ["WDM_TEST_CONN"]
WDMON = os.environ["WDM_WDMON"]
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
    """A wait's condition: element's page has been replaced.  Chromium
    sometimes answers a look at a node of the page just left with an
    inspector error rather than "stale"; either means it is gone."""
    def condition(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:  # StaleElementReferenceException is one
            return True
    return condition


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

# --- The overview and the indicator page: the report's judgement ------------------
STATUS_CLASS = {"达标": "met", "进展正常": "track", "进度滞后": "behind", "预计达标困难": "unlikely",
                "未报送": "none", "仅监测": "monitor"}
PLAN = q1("SELECT code FROM plan WHERE current")
YEAR = "2024"


def report_rows():
    """The annual report's rows for YEAR, as `wdmon report --format csv` gives them."""
    out = subprocess.run([WDMON, "--db", CONN, "-l", "warn", "report", "--year", YEAR, "--format", "csv",
                          "-o", "-"], check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))


REPORT = report_rows()
DOMAIN_NAME = dict(q("SELECT code, name_zh FROM domain WHERE plan_code = '%s'" % PLAN))


def report_counts(codes=None):
    """{domain code: {status class: count}} of the report, over codes (None: all)."""
    counts = {d: {} for d in DOMAIN_NAME}
    by_name = {name: code for code, name in DOMAIN_NAME.items()}
    for row in REPORT:
        if codes is not None and row["代码"] not in codes:
            continue
        status = STATUS_CLASS[row["状态"]]
        if status == "monitor":
            continue
        d = counts[by_name[row["领域"]]]
        d[status] = d.get(status, 0) + 1
    return counts


def page_counts():
    """{domain code: {status class: count}} as the overview's table shows them (non-zero only)."""
    rows = driver.execute_script("""
        return Array.from(document.querySelectorAll('#domains tbody tr')).map(r => [r.dataset.domain,
            Array.from(r.querySelectorAll('td[data-status]')).map(c => [c.dataset.status, c.textContent])]);""")
    return {d: {s: int(n) for s, n in cells if int(n)} for d, cells in rows}


for user in ("leader", "wang", "admin"):
    login(user)
    go("/overview?year=" + YEAR)
    expect("%s's overview: each domain's counts are the report's for %s %s (wdmon report --format csv)"
           % (user, PLAN, YEAR), page_counts(), report_counts())
    no_console_errors("the overview of " + user)
    if user != "admin":
        logout()
check("the report's data set has every status", {s for d in report_counts().values() for s in d}
      == {"met", "track", "behind", "unlikely", "none"}, str(report_counts()))
expect("the red count is the database's open red warnings of the plan",
       driver.find_element(By.ID, "red-count").text,
       q1("SELECT count(*) FROM open_warnings WHERE level = 'red' AND plan_code = '%s'" % PLAN))
expect("red warnings come first",
       [e.get_attribute("class") for e in driver.find_elements(By.CSS_SELECTOR, "#open-warnings li")][:1],
       ["level-red"])
since = driver.find_element(By.ID, "changes").get_attribute("data-since")
expect("first visit: the warnings opened in the last 7 days are the database's",
       driver.find_element(By.CSS_SELECTOR, "#since-opened .count").text,
       q1("SELECT count(*) FROM warning_event WHERE transition IN ('open', 'reopen')"
          " AND at > '%s'::timestamptz" % since))
expect("the deadlines' overdue count is what wdmon completeness owes",
       driver.find_element(By.CSS_SELECTOR, "#overdue strong").text,
       q1("SELECT count(*) FROM report_owed WHERE '%s' = ANY (plans) AND state = 'missing'"
          " AND deadline < (now() AT TIME ZONE 'Asia/Shanghai')::date" % PLAN))
# A later visit lists what arrived since the one before.
q("UPDATE console_visit SET last_at = now() - interval '2 hours' WHERE login = 'admin'")
q("INSERT INTO observation (indicator_code, area_code, year, value, status, unit_code, rec_epoch, rec_seq,"
  " revision) VALUES ('HE03', 'wuqing', 2024, 8.2, 'final', 'health_commission', 77, 1, 2)")
go("/overview?year=" + YEAR)
expect("a later visit counts from the visit before: the value received since",
       driver.find_element(By.CSS_SELECTOR, "#since-values .count").text, "1")
check("... and names it", "HE03" in driver.find_element(By.ID, "since-values").text,
      driver.find_element(By.ID, "since-values").text)
if SHOTS:
    driver.save_screenshot(os.path.join(SHOTS, "console-overview.png"))

# The indicator page: the chart's points and target line are the database's.
go("/indicator/HE05?year=" + YEAR)
no_console_errors("an indicator's page")
points = driver.execute_script(
    "return Array.from(document.querySelectorAll('#chart circle.point')).map(c => [c.dataset.year, +c.dataset.value])")
baseline_year, baseline = q("SELECT baseline_year, value FROM plan_baseline WHERE plan_code = '%s'"
                            " AND indicator_code = 'HE05'" % PLAN)[0]
wanted = [[baseline_year, float(baseline)]] + [
    [y, float(v)] for y, v in q("SELECT year, value FROM indicator_value WHERE indicator_code = 'HE05'"
                                " AND area_code = 'wuqing' AND year > %s AND year <= %s ORDER BY year"
                                % (baseline_year, YEAR))]
expect("the chart plots the district's baseline and values, year by year", points, wanted)
expect("the chart's target line is the plan's target",
       float(driver.find_element(By.CSS_SELECTOR, "#chart line.target").get_attribute("data-target")),
       float(q1("SELECT target_value FROM plan_target WHERE plan_code = '%s' AND indicator_code = 'HE05'" % PLAN)))
years = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#chart text.year")]
expect("the year axis runs from the baseline to the plan's end", (years[0], years[-1]),
       tuple(q("SELECT baseline_year::text, period_end::text FROM plan WHERE code = '%s'" % PLAN)[0]))
check("the chart has the projection and the time-progress line",
      driver.find_elements(By.CSS_SELECTOR, "#chart line.projection")
      and driver.find_elements(By.CSS_SELECTOR, "#chart line.progress"))
he05 = [r for r in REPORT if r["代码"] == "HE05"][0]
expect("the indicator's status is the report's", driver.find_element(By.ID, "indicator").get_attribute("data-status"),
       STATUS_CLASS[he05["状态"]])
expect("the target in the plan's words", driver.find_element(By.ID, "plan-target").text,
       q1("SELECT clause_zh FROM plan_target WHERE plan_code = '%s' AND indicator_code = 'HE05'" % PLAN))
expect("the district's row in the areas table has the report's status",
       driver.find_element(By.CSS_SELECTOR, "#areas tr[data-area=wuqing]").get_attribute("data-status"),
       STATUS_CLASS[he05["状态"]])
expect("the revisions are every value received for it",
       len(driver.find_elements(By.CSS_SELECTOR, "#revisions tbody tr")),
       int(q1("SELECT count(*) FROM observation WHERE indicator_code = 'HE05'")))
expect("its warnings are the database's, each linking to its history",
       sorted(e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "#indicator-warnings tbody tr")),
       sorted(r[0] for r in q("SELECT id FROM warning WHERE indicator_code = 'HE05' AND plan_code = '%s'" % PLAN)))
if SHOTS:
    driver.execute_script("document.getElementById('plan-target').scrollIntoView()")
    driver.save_screenshot(os.path.join(SHOTS, "console-indicator.png"))
go("/indicator/HE5")
check("an unknown indicator is a 404 naming it and the nearest codes",
      "404" in text() and "HE5" in text() and "HE05" in text(), text()[:300])
go("/overview?plan=nosuch")
check("an unknown plan is a 404 naming it and the plans there are",
      "404" in text() and "nosuch" in text() and PLAN in text(), text()[:300])
no_console_errors("the unknown indicator and plan", refused=True)
logout()

# A unit user: the indicators its unit leads, and no other's.
login("hc")
go("/overview?year=" + YEAR)
led = {r[0] for r in q("SELECT indicator_code FROM responsibility WHERE unit_code = 'health_commission' AND lead")}
expect("a unit user's overview counts the report's statuses of the indicators its unit leads",
       page_counts(), report_counts(led))
linked = {e.get_attribute("href").split("/indicator/")[1].split("?")[0]
          for e in driver.find_elements(By.CSS_SELECTOR, "#indicators a")}
check("... and links only to those", linked and linked <= led, str(linked - led))
go("/indicator/HE05?year=" + YEAR)
check("a unit user opens an indicator its unit leads", "HE05" in driver.find_element(By.ID, "indicator").text)
other = q1("SELECT min(t.indicator_code) FROM plan_target t WHERE t.plan_code = '%s' AND NOT EXISTS"
           " (SELECT 1 FROM responsibility r WHERE r.indicator_code = t.indicator_code"
           "  AND r.unit_code = 'health_commission' AND r.lead)" % PLAN)
go("/indicator/%s?year=%s" % (other, YEAR))
check("a unit user cannot open another unit's indicator (%s)" % other,
      "403" in text() and "本单位" in text() and not driver.find_elements(By.ID, "chart"), text()[:300])
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
