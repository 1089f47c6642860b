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
import subprocess
import sys
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
status, body, headers, _ = fetch(viewer, "/reports/987654/report.pdf?download=1")
expect("an unknown report's PDF: 404", status, 404)
check("... naming the report asked for", "987654" in text_of(body), re.sub(r"<[^>]+>", " ", text_of(body))[-300:])

print("test_exports: %d failed" % failures)
sys.exit(min(failures, 100))
