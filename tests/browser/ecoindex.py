"""The EcoIndex of a page (ecoindex.fr method), measured in chromium.

Three measures of a first visit (empty cache): the number of DOM elements,
the number of requests, and the kilobytes transferred. Each is placed among
the quantiles of the HTTP Archive pages the method publishes, and
score = 100 - 5 * (3 * q_dom + 2 * q_requests + q_size) / 6.
Grades with the current thresholds: A above 80, B above 70, C above 55,
D above 40, E above 25, F above 10, G below.
"""

from __future__ import annotations

from dataclasses import dataclass

QUANTILES_DOM = (0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237, 1459, 1801,
                 2479, 594601)
QUANTILES_REQUESTS = (0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281, 3920)
QUANTILES_SIZE_KB = (0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32, 1648.27,
                     1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54, 223212.26)
GRADES = ((80, "A"), (70, "B"), (55, "C"), (40, "D"), (25, "E"), (10, "F"))


def quantile_position(value: float, quantiles: tuple) -> float:
    for index in range(1, len(quantiles)):
        if value < quantiles[index]:
            return index - 1 + (value - quantiles[index - 1]) / (quantiles[index] - quantiles[index - 1])
    return len(quantiles) - 1


def score(dom: int, requests: int, size_kb: float) -> float:
    return 100 - 5 * (
        3 * quantile_position(dom, QUANTILES_DOM)
        + 2 * quantile_position(requests, QUANTILES_REQUESTS)
        + quantile_position(size_kb, QUANTILES_SIZE_KB)
    ) / 6


def grade(value: float) -> str:
    return next((letter for threshold, letter in GRADES if value > threshold), "G")


@dataclass(frozen=True)
class Measure:
    url: str
    dom: int
    requests: int
    size_kb: float

    @property
    def score(self) -> float:
        return score(self.dom, self.requests, self.size_kb)

    @property
    def grade(self) -> str:
        return grade(self.score)


def measure(browser, base_url: str, path: str, cookies: list[dict]) -> Measure:
    """Open ``path`` in a fresh context (empty cache), signed in with ``cookies``."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 768})
    context.add_cookies(cookies)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path, wait_until="networkidle")
    dom = page.evaluate("document.getElementsByTagName('*').length")
    size = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((total, entry) => total + entry.transferSize, 0)"
    )
    context.close()
    return Measure(path, dom, len(requests), size / 1024)
