#!/usr/bin/env python3
"""console_login.py BASE LOGIN PASSWORD PATH [--link ID]: log in to wdmon-web
at BASE (http://127.0.0.1:PORT) as a person does — open /login, take the
form's CSRF token and its cookie, post login and password — then GET PATH
with the session and print the warnings the page lists, their numbers one
a line (the rows' data-id), sorted; with --link ID, print instead where the
page's link of that id goes (its href).  Exit 1 if the login is refused or
the page has no such link.  test_quickstart.sh uses it (the standard
library only)."""
import html as htmllib
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base, login, password, path = sys.argv[1:5]
link = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--link" else None
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
form = opener.open(base + "/login", timeout=10).read().decode("utf-8")
token = re.search(r'name="csrf" value="([^"]*)"', form).group(1)
body = urllib.parse.urlencode({"csrf": token, "login": login, "password": password}).encode()
try:
    page = opener.open(base + "/login", data=body, timeout=10)
except urllib.error.HTTPError as e:
    print("login as %s refused: HTTP %d" % (login, e.code), file=sys.stderr)
    sys.exit(1)
if page.geturl().endswith("/login") or not any(c.name == "wdm_session" for c in jar):
    print("login as %s refused: no session" % login, file=sys.stderr)
    sys.exit(1)
html = opener.open(base + path, timeout=30).read().decode("utf-8")
if link:
    anchor = re.search(r'<a\b[^>]*\bid="%s"[^>]*>' % re.escape(link), html)
    href = re.search(r'\bhref="([^"]*)"', anchor.group(0)) if anchor else None
    if not href:
        print("%s has no link of id %s" % (path, link), file=sys.stderr)
        sys.exit(1)
    print(htmllib.unescape(href.group(1)))
    sys.exit(0)
for n in sorted(int(i) for i in re.findall(r'<tr data-id="([0-9]+)"', html)):
    print(n)
