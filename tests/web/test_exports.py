#!/usr/bin/python3
"""test_exports: what a person downloads or prints from the console.

Run by test_exports.sh, which sets up the database (the report's data set
and its warnings), the accounts leader (viewer) and wang (operator), and a
wdmon-web on WDM_WEB_URL; WDM_TEST_CONN is the database's libpq string
(read with psql), WDM_TEST_WORK a directory for files.  Each check prints
"ok: ..." or "FAIL: ..."; the exit status is the number of failures
(capped).
"""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["WDM_WEB_URL"]
CONN = os.environ["WDM_TEST_CONN"]
WORK = os.environ["WDM_TEST_WORK"]
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


def login(who):
    """A session (an opener with its cookies) logged in as who."""
    session = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = session.open(URL + "/login", timeout=30).read().decode("utf-8")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    session.open(urllib.request.Request(URL + "/login", data=urllib.parse.urlencode(
        {"csrf": csrf, "login": who, "password": "secret-" + who}).encode()), timeout=30).read()
    return session


def fetch(session, path, form=None, csrf_from="/reports"):
    """(status, body bytes, headers, final URL); form: POST it with the CSRF token of csrf_from."""
    data = None
    if form is not None:
        text = session.open(URL + csrf_from, timeout=60).read().decode("utf-8")
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
        data = urllib.parse.urlencode(dict(form, csrf=match.group(1) if match else "")).encode()
    try:
        response = session.open(urllib.request.Request(URL + path, data=data), timeout=120)
        return response.status, response.read(), response.headers, response.url
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers, path


def text_of(body):
    return body.decode("utf-8", "replace")


def pdf_text(body, name):
    """The text of a PDF (bytes) as pdftotext reads it, white space taken out."""
    path = os.path.join(WORK, name)
    with open(path, "wb") as out:
        out.write(body)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                          text=True).stdout
    return re.sub(r"\s+", "", text)


operator, viewer = login("wang"), login("leader")
plan, title = q("SELECT code, title_zh FROM plan WHERE current")[0]

# --- The report as PDF -------------------------------------------------------------

status, body, _, where = fetch(operator, "/reports/make", {"plan": plan, "year": "2024", "lang": "zh"})
number = where.rsplit("/", 1)[-1]
check("the operator made the 2024 report", status == 200 and number.isdigit(), where)
check("the report's page offers its PDF",
      'href="/reports/%s/report.pdf?download=1"' % number in text_of(body))
status, body, _, _ = fetch(viewer, "/reports")
check("the reports list offers each report's PDF",
      'href="/reports/%s/report.pdf?download=1"' % number in text_of(body))
for who, session in (("an operator", operator), ("a viewer", viewer)):
    status, body, headers, _ = fetch(session, "/reports/%s/report.pdf?download=1" % number)
    expect("%s downloads the PDF: 200" % who, status, 200)
    expect("... as application/pdf", headers.get("Content-Type"), "application/pdf")
    disposition = headers.get("Content-Disposition") or ""
    check("... as an attachment named .pdf", re.fullmatch(r'attachment; filename="wdmon-report-%s-2024-zh\.pdf"'
                                                          % re.escape(plan), disposition) is not None,
          repr(disposition))
    check("... that is a PDF", body[:5] == b"%PDF-", repr(body[:40]))
    text = pdf_text(body, "console.pdf")
    check("... holding the report's Chinese title", re.sub(r"\s+", "", title) + "2024年度监测报告" in text,
          text[:200])
    name = q("SELECT name_zh FROM indicator WHERE code = 'HE05'")[0][0]
    check("... and an indicator's name (HE05)", re.sub(r"\s+", "", name) in text)

# A PDF takes seconds (headless chromium). The console once answered
# nobody while it printed one: now it answers others meanwhile, and PDFs
# asked for at once, more than it prints at a time, are each printed.
def printing():
    """Whether an engine runs in the console's print directories."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if os.environ["WDM_TEST_PRINTS"].encode() in f.read():
                    return True
        except OSError:
            pass
    return False


def printing_soon():
    """Whether an engine runs in the console's print directories within 30 s."""
    deadline = time.monotonic() + 30
    while not printing() and time.monotonic() < deadline:
        time.sleep(0.02)
    return printing()


finished = {}


def download_pdf(name, session):
    try:
        status, body, _, _ = fetch(session, "/reports/%s/report.pdf?download=1" % number)
    except OSError as error:  # the connection refused or cut
        status, body = repr(error), b""
    finished[name] = (time.monotonic(), status, body[:5])


downloads = [threading.Thread(target=download_pdf, args=(name, login(who)))
             for name, who in (("wang 1", "wang"), ("leader", "leader"), ("wang 2", "wang"))]
for thread in downloads:
    thread.start()
check("a PDF is being printed", printing_soon())
asked = time.monotonic()
page = urllib.request.urlopen(URL + "/login", timeout=120).read().decode("utf-8")
answered = time.monotonic()
for thread in downloads:
    thread.join(180)
first = min(at for at, _, _ in finished.values()) if finished else answered
check("the login page is answered while PDFs are printed (%.2f s; the first PDF came %.2f s after it was asked)"
      % (answered - asked, first - asked), answered < first and 'name="csrf"' in page)
for name in ("wang 1", "leader", "wang 2"):
    at, status, head = finished.get(name, (0, None, b""))
    check("three PDFs asked for at once: %s's is a PDF" % name, status == 200 and head == b"%PDF-",
          "status %s, %r" % (status, head))

status, body, headers, _ = fetch(viewer, "/reports/987654/report.pdf?download=1")
expect("an unknown report's PDF: 404", status, 404)
check("... naming the report asked for", "987654" in text_of(body), re.sub(r"<[^>]+>", " ", text_of(body))[-300:])

# --- Every chart's and table's data for download ----------------------------------


pages = {}  # (session, path): the page's text, fetched once (the pages take seconds)


def download(session, path, table, kind):
    """The rows of table's download (csv or xlsx) from the page at path, header
    first, every cell as text; [] with the failure said."""
    if (id(session), path) not in pages:
        pages[(id(session), path)] = text_of(fetch(session, path)[1])
    page_text = pages[(id(session), path)]
    link = re.search(r'<a href="([^"]+)" id="%s-%s" download>' % (re.escape(table), kind), page_text)
    check("%s offers %s of %s" % (path, kind, table), link is not None)
    if not link:
        return []
    status, body, headers, _ = fetch(session, link.group(1).replace("&amp;", "&"))
    check("... which downloads (200, named wdmon-%s.%s)" % (table, kind), status == 200
          and 'filename="wdmon-%s.%s"' % (table, kind) in (headers.get("Content-Disposition") or ""),
          "%s %r" % (status, headers.get("Content-Disposition")))
    if status != 200:
        return []
    if kind == "csv":
        import csv
        import io
        check("... in UTF-8 with a BOM", body.startswith(b"\xef\xbb\xbf"))
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    import io
    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [["" if v is None else ("%.15g" % v if isinstance(v, float) else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)]


def num(text):
    return float(text) if text not in ("", None) else None


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9 * max(1, abs(b)))


# The overview: the counts per domain, the warnings, the deadlines.
path = "/overview?year=2024"
page_text = pages[(id(operator), path)] = text_of(fetch(operator, path)[1])
shown = {}
for code, cells in re.findall(r'<tr data-domain="([^"]+)">(.*?)</tr>', page_text):
    counts = re.findall(r'<td class="num" data-status="[a-z]+" data-label="[^"]*">(\d+)</td>', cells)
    total = re.search(r'<td class="num" data-label="合计 Total">(\d+)</td>', cells)
    shown[code] = counts + [total.group(1) if total else None]
check("the overview shows its eight domains", len(shown) == 8, repr(shown))
for kind in ("csv", "xlsx"):
    rows = download(operator, path, "overview-domains", kind)
    got = {row[0]: row[3:9] for row in rows[1:]}
    expect("the overview's %s counts per domain are the page's" % kind, got, shown)
    check("... headed in Chinese and English", rows and rows[0][3] == "达标 / Met", repr(rows[:1]))
ids = re.findall(r'<li class="level-(?:red|yellow)" data-id="(\d+)"', page_text)
check("the overview lists warnings", len(ids) > 0)
for kind in ("csv", "xlsx"):
    rows = download(operator, path, "overview-warnings", kind)
    expect("the overview's warnings (%s) are the page's, in its order" % kind, [r[0] for r in rows[1:]], ids)
    levels = dict(q("SELECT id, level FROM warning WHERE id IN (%s)" % ",".join(ids or ["0"])))
    expect("... each at its level in the database", [r[1].split(" / ")[1] for r in rows[1:]],
           [levels[i] for i in ids])
deadlines = re.findall(r'<tr class="(?:coming|overdue)" data-year="(\d+)" data-missing="(\d+)"><td>([^<]*)</td>',
                       page_text)
rows = download(operator, path, "overview-deadlines", "csv")
expect("the overview's deadlines (csv) are the page's", [(r[1], r[2], r[0]) for r in rows[1:]], deadlines)

# An indicator's chart and its areas: the first of the data set with a
# target, a time-progress line and a projection (2024 judged, so 2025 is
# projected).
chosen = None
for (code, _) in q("SELECT DISTINCT indicator_code, indicator_code <> 'ED01' FROM indicator_value"
                 " WHERE area_code = 'wuqing' ORDER BY 2, 1"):
    page_text = pages[(id(viewer), "/indicator/%s?year=2024" % code)] = text_of(
        fetch(viewer, "/indicator/%s?year=2024" % code)[1])
    if all(part in page_text for part in ('class="target"', 'class="progress"', 'class="projection"')):
        chosen = code
        break
check("the data set has an indicator whose chart has every part", chosen is not None)
if chosen:
    path = "/indicator/%s?year=2024" % chosen
    svg = page_text[page_text.index("<svg class=\"trend\""):page_text.index("</svg>", page_text.index(
        "<svg class=\"trend\""))]
    points = {int(y): float(v) for y, v in re.findall(
        r'<circle class="point" data-year="(\d+)" data-value="([^"]+)"', svg)}
    target = float(re.search(r'<line class="target" data-target="([^"]+)"', svg).group(1))
    frm, to, to_year = re.search(r'<line class="progress" data-from="([^"]+)" data-to="([^"]+)"'
                                 r' data-to-year="(\d+)"', svg).groups()
    p_year, p_value, p_error = re.search(r'<line class="projection" data-year="(\d+)" data-value="([^"]+)"'
                                         r' data-error="([^"]+)"', svg).groups()
    baseline, first, last = map(int, q("SELECT baseline_year, period_start, period_end FROM plan"
                                       " WHERE current")[0])
    stored = {int(y): float(v) for y, v in q(
        "SELECT year, value FROM indicator_value WHERE indicator_code = '%s' AND area_code = 'wuqing'"
        " AND year BETWEEN %d AND 2024" % (chosen, baseline))}
    expect("%s: the chart's points are the database's values" % chosen, points, stored)
    for kind in ("csv", "xlsx"):
        rows = download(viewer, path, "indicator-%s-chart" % chosen, kind)
        table = {int(r[0]): [num(c) for c in r[1:]] for r in rows[1:]}
        expect("%s's chart data (%s): a row per year %d-%d" % (chosen, kind, baseline, last), sorted(table),
               list(range(baseline, last + 1)))
        check("... the values are the chart's points and the database's",
              all(close(table[y][0], points.get(y)) for y in table), repr(table))
        check("... the target is the chart's from the plan's first year",
              all(close(table[y][1], target if y >= first else None) for y in table), repr(table))
        progress = {y: float(frm) + (float(to) - float(frm)) * (y - baseline) / (int(to_year) - baseline)
                    for y in range(baseline, int(to_year) + 1)}
        check("... the time progress runs from the baseline's value to the target in %s" % to_year,
              all(close(table[y][2], progress.get(y)) for y in table), repr(table))
        at = table.get(int(p_year), [None] * 6)
        check("... the projection and its band at %s are the chart's" % p_year,
              close(at[3], float(p_value)) and close(at[4], float(p_value) - float(p_error))
              and close(at[5], float(p_value) + float(p_error))
              and all(table[y][3] is None for y in table if y != int(p_year)), repr(table))
    areas = re.findall(r'<tr data-area="([^"]+)" data-status="([a-z]+)"><td>[^<]*<span class="en">[^<]*</span>'
                       r'</td><td class="num">([^<]*)</td><td class="num"(?: data-value="([^"]+)")?>', page_text)
    check("%s's page lists areas" % chosen, len(areas) > 1, repr(areas))
    for kind in ("csv", "xlsx"):
        rows = download(viewer, path, "indicator-%s-areas" % chosen, kind)
        expect("%s's areas (%s) are the page's, in its order" % (chosen, kind), [r[0] for r in rows[1:]],
               [a[0] for a in areas])
        check("... with the page's years and values",
              all(r[3] == (a[2] if a[2] != "—" else "") and close(num(r[4]), num(a[3]))
                  for r, a in zip(rows[1:], areas)), repr(rows[1:4]))
    town = [(a[0], a[2], a[3]) for a in areas if a[0] != "wuqing" and a[3]]
    if town:
        area, year, value = town[0]
        stored = q("SELECT value FROM indicator_value WHERE indicator_code = '%s' AND area_code = '%s'"
                   " AND year = %s" % (chosen, area, year))
        check("... a town's value is the database's (%s %s)" % (area, year),
              stored and close(float(value), float(stored[0][0])))
status, body, _, _ = fetch(viewer, "/overview?format=csv&table=no-such-table")
expect("a table the page does not have: 404", status, 404)

# --- The print view ------------------------------------------------------------------

# The link is the page frame's (wdm_web_page_begin): the pages fetched
# already, and a few cheap ones besides (the pages take seconds each).
for path in ("/", "/warnings", "/reports"):
    pages[(id(operator), path)] = text_of(fetch(operator, path)[1])
for (_, path), page_text in sorted(pages.items(), key=lambda item: item[0][1]):
    check("%s has a 打印 / Print link" % path, re.search(r'<a href="#print" id="print"[^>]*>打印 / Print</a>',
                                                         page_text) is not None)
status, body, _, _ = fetch(operator, "/static/wdmon.js")
check("the print link prints (wdmon.js)", "window.print()" in text_of(body))
# The overview printed by chromium, as a browser prints it: the page with
# its two stylesheets put inline, to PDF, read back.
page_text = pages[(id(operator), "/overview?year=2024")]
for sheet in ("wdmon.css", "pages.css"):
    css = text_of(fetch(operator, "/static/" + sheet)[1])
    page_text = page_text.replace('<link rel="stylesheet" href="/static/%s">' % sheet, "<style>%s</style>" % css)
with open(os.path.join(WORK, "overview.html"), "w", encoding="utf-8") as out:
    out.write(page_text)
printed = os.path.join(WORK, "overview.pdf")
subprocess.run(["timeout", "120", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + os.path.join(WORK, "profile"), "--no-pdf-header-footer",
                "--print-to-pdf=" + printed, "file://" + os.path.join(WORK, "overview.html")],
               capture_output=True)
with open(printed, "rb") as pdf:
    text = pdf_text(pdf.read(), "overview-printed.pdf")
check("the overview prints", "各领域目标状态" in text, text[:200])
for gone in ("退出/Logout", "下载/Download", "查看/Show", "成员单位Units", "打印/Print"):
    check("... without %s (navigation, forms, links to act)" % gone, gone not in text)
check("... with the domains' table and its total", "合计" in text and "妇女与健康" in text)

# Last, as it ends the console: stopped (SIGTERM) while it prints a PDF,
# wdmon-web sends that PDF before it exits (test_exports.sh checks that it
# exits with status 0).
finished.clear()
stopping = threading.Thread(target=download_pdf, args=("stopped", login("wang")))
stopping.start()
check("a PDF is being printed when wdmon-web is stopped", printing_soon())
os.kill(int(os.environ["WDM_TEST_WEB_PID"]), signal.SIGTERM)
stopping.join(180)
_, status, head = finished.get("stopped", (0, None, b""))
check("stopped while it prints, wdmon-web still sends the PDF", status == 200 and head == b"%PDF-",
      "status %s, %r" % (status, head))

print("test_exports: %d failed" % failures)
sys.exit(min(failures, 100))
