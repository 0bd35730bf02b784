"""Issue 3: a module section page under load, against a trivial route of the same app.

Prints requests per second for (a) a section page read by a signed-in student
and (b) /sante, measured in the same run, and their ratio (target: at least 0.5).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, laptop_server, login, requests_per_second  # noqa: E402

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def main() -> None:
    courses = ROOT / "courses"
    if not any((p / "module.md").is_file() for p in courses.iterdir()):
        courses = ROOT / "tests" / "content" / "fixtures"
    with laptop_server(courses) as (base, _env, _process):
        cookie = login(base, "eleve01", "lycee-ia-demo")
        import json
        import urllib.request

        # The first module of the catalogue, and its first section.
        modules = sorted(p.name for p in courses.iterdir() if (p / "module.md").is_file() and "casse" not in p.name)
        if not modules:
            raise SystemExit("no module in courses/: nothing to benchmark")
        request = urllib.request.Request(f"{base}/modules/{modules[0]}", headers={"Cookie": cookie})
        page = urllib.request.urlopen(request).read().decode()
        import re

        section = re.search(rf'href="(/modules/{modules[0]}/partie/[^"]+)"', page).group(1)
        section_url = base + section
        urllib.request.urlopen(urllib.request.Request(section_url, headers={"Cookie": cookie})).read()
        trivial = requests_per_second(f"{base}/sante", cookie, SECONDS)
        module_page = requests_per_second(section_url, cookie, SECONDS)
        print(json.dumps({"section_page": section, "seconds": SECONDS}))
        print(f"trivial route /sante      : {trivial:8.0f} requests/s")
        print(f"module section page       : {module_page:8.0f} requests/s")
        print(f"ratio module / trivial    : {module_page / trivial:8.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
