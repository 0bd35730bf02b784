"""Issue 2: resident memory of the laptop server after start and after 500 requests.

The server is `lycee-ia serve` (waitress) on a fresh SQLite database with the
demo data; RSS is read from /proc. The 500 requests are a student's day:
sign in, catalogue, module pages, sections, a quiz page, the account page.
For scale: Kolibri on this kind of machine, about 107 MiB after start and
180-195 MiB after 500 requests.
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, laptop_server, rss_mib  # noqa: E402


def main() -> None:
    with laptop_server() as (base, _env, process):
        time.sleep(0.5)
        after_start = rss_mib(process.pid)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"{base}/connexion").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "username": "eleve01", "password": "lycee-ia-demo"}).encode()
        opener.open(f"{base}/connexion", data=data).read()
        modules = sorted(p.name for p in (ROOT / "courses").iterdir() if p.name.startswith("e") and (p / "module.md").is_file())
        urls = ["/accueil", "/modules", "/compte"]
        for module in modules:
            html = opener.open(f"{base}/modules/{module}").read().decode()
            urls.append(f"/modules/{module}")
            urls.extend(dict.fromkeys(re.findall(rf'href="(/modules/{module}/partie/[^"]+)"', html)))
            urls.append(f"/modules/{module}/quiz")
        requests = 2  # the login page and the login
        while requests < 500:
            for url in urls:
                if requests >= 500:
                    break
                opener.open(base + url).read()
                requests += 1
        after = rss_mib(process.pid)
    print(f"resident memory after start        : {after_start:6.1f} MiB")
    print(f"resident memory after {requests} requests : {after:6.1f} MiB")


if __name__ == "__main__":
    main()
