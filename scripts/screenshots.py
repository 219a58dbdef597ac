"""Screenshots of dashboard pages in headless Chromium, for looking at what was built.

Usage: python scripts/screenshots.py [--base URL] NAME=QUERY...   (e.g. board=case=x&page=board)
Writes test-artifacts/screens/NAME.png at 1280x720 (a laptop), or at --width 1920 --height 1080 (a projector).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# Drawn: a chart, a table (the case page's event table is HTML), or the tumor board's summary (which has neither).
READY = ('[data-testid="stVegaLiteChart"] svg.marks, [data-testid="stDataFrame"], [data-testid="stTable"], '
         '[data-testid="stMarkdownContainer"] strong:has-text("Outcomes"), .st-key-board_summary, div.event-table table')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8501")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("shots", nargs="+", metavar="NAME=QUERY")
    args = parser.parse_args()
    out = ROOT / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for shot in args.shots:
            name, query = shot.split("=", 1)
            page.goto(f"{args.base}/?{query}")
            try:
                page.wait_for_selector(READY, timeout=30_000)
            except Exception:
                print(f"{name}: nothing drawn within 30 s")
            # The board and the case page lay themselves out for the window's size (once reopened): wait for it.
            if "page=board" in query or page.evaluate("() => window.__boardDrawn !== undefined"):
                page.wait_for_function("([w, h]) => window.__boardDrawn && window.__boardDrawn[0] === w"
                                       " && window.__boardDrawn[1] === h", arg=[args.width, args.height],
                                       timeout=30_000)
                page.wait_for_selector(READY, timeout=30_000)
            page.wait_for_timeout(1200)
            page.screenshot(path=str(out / f"{name}.png"))
            errors = page.locator('[data-testid="stException"]').count()
            print(f"{name}: {out / f'{name}.png'}" + (f"  ({errors} exceptions on the page)" if errors else ""))
        browser.close()


if __name__ == "__main__":
    main()
