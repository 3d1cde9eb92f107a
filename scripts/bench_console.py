"""How fast the console draws its main pages, in Debian's Chromium, against a running `make run`.

    python scripts/bench_console.py 'http://127.0.0.1:5000/?token=...' [--model NAME] [--runs 5]

Prints one JSON object per load: `dom_ms` (the page's own files parsed and run), `api_ms` (the slowest API call of
the page) and `drawn_ms` (from navigation until the page's data is on screen). The sign-in link is used once.
"""

from __future__ import annotations

import argparse
import json
import time

from local_server import REPO  # noqa: F401  (puts the repository on sys.path)
from playwright.sync_api import sync_playwright

from tests.support.chromium import launch_chromium

TIMINGS = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const api = performance.getEntriesByType("resource").filter((entry) => entry.name.includes("/api/"));
  return {dom_ms: Math.round(navigation.domContentLoadedEventEnd),
          api_ms: Math.round(Math.max(0, ...api.map((entry) => entry.duration)))};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sign_in_link", help="the one-time console link make run printed")
    parser.add_argument("--model", help="a model to open too (its page and its newest version)")
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    base = arguments.sign_in_link.split("?", 1)[0]
    pages = [("#/models", "table tbody tr")]
    if arguments.model:
        pages.append((f"#/models/{arguments.model}", "ol.timeline li"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(arguments.sign_in_link)
        page.wait_for_selector("table tbody tr")
        for route, drawn in pages:
            for _ in range(arguments.runs):
                page.goto("about:blank")
                started = time.perf_counter()
                page.goto(base + route)
                page.wait_for_selector(drawn)
                elapsed = round((time.perf_counter() - started) * 1000)
                print(json.dumps({"route": route, **page.evaluate(TIMINGS), "drawn_ms": elapsed}), flush=True)
        browser.close()


if __name__ == "__main__":
    main()
