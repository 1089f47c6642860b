#!/usr/bin/python3
"""console_load: time the console's pages as a logged-in user sees them.

Logs in through the real login form (its CSRF token and cookie), then
fetches each page REQUESTS times, one after another, and prints for each
the status, the size and the time to the last byte: p50, p95 and max in
milliseconds.  Not a test: it prints figures.  A page that does not answer
200 is reported and makes the exit status 1.

Usage: console_load.py URL LOGIN PASSWORD REQUESTS PATH...
(the password may also come from the environment WDM_LOAD_PASSWORD when
PASSWORD is "-").
"""
import http.cookiejar
import math
import os
import re
import sys
import time
import urllib.parse
import urllib.request


def percentile(values, p):
    """The nearest-rank percentile: the smallest value with at least p % of
    the values at or below it (of 20 values, p95 is the 19th)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100.0 * len(ordered)) - 1))
    return ordered[k]


def main():
    if len(sys.argv) < 6:
        print(__doc__)
        return 2
    url, login, password, requests = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    paths = sys.argv[5:]
    if password == "-":
        password = os.environ["WDM_LOAD_PASSWORD"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form)
    if not csrf:
        print("console_load: no CSRF token in the login form")
        return 1
    body = urllib.parse.urlencode({"csrf": csrf.group(1), "login": login, "password": password}).encode()
    answer = opener.open(url + "/login", body)
    if answer.geturl().endswith("/login"):
        print("console_load: the login as %s was refused" % login)
        return 1
    failed = 0
    print("%-48s %6s %9s %9s %9s %9s" % ("page", "status", "bytes", "p50 ms", "p95 ms", "max ms"))
    for path in paths:
        times, size, status = [], 0, 0
        for _ in range(requests):
            t0 = time.perf_counter()
            try:
                with opener.open(url + path) as r:
                    data = r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                data, status = e.read(), e.code
            times.append((time.perf_counter() - t0) * 1000.0)
            size = len(data)
        if status != 200:
            failed += 1
        print("%-48s %6d %9d %9.1f %9.1f %9.1f" % (path[:48], status, size, percentile(times, 50),
                                                   percentile(times, 95), max(times)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
