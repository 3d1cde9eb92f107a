"""Browser tests of the console: Debian's Chromium driven by Playwright against `python -m smr_local`.

The browser is the system's (`/usr/bin/chromium`, installed by `make test`'s bootstrap), never one Playwright
downloads. Screenshots of the main pages go to test-artifacts/console/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from smr_local.template import REPO_ROOT
from tests.browser.seed import Api, seed
from tests.support.chromium import CHROMIUM, launch_chromium
from tests.support.server import LocalServer, run_local_server
from tests.support.sigv4_auth import BotocoreSigV4

ARTIFACTS = REPO_ROOT / "test-artifacts" / "console"
BOB = ("AKIDBOB", "bob-secret", "bob")
REGION = "us-east-1"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
_TOKEN = re.compile(r"(http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]+)")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    env = {"SMR_LOCAL_CREDENTIALS": ":".join(BOB)}
    with run_local_server(tmp_path_factory.mktemp("console-data"), extra_env=env) as running:
        seed(api_as(running), api_as(running, BOB[0], BOB[1]))
        yield running


def api_as(server: LocalServer, key: str | None = None, secret: str | None = None) -> Api:
    return Api(
        server.url,
        BotocoreSigV4(key or server.env["AWS_ACCESS_KEY_ID"], secret or server.env["AWS_SECRET_ACCESS_KEY"], REGION),
    )


def sign_in_link(server: LocalServer) -> str:
    """The newest one-time console link: printed at start, then logged after each use."""
    links = _TOKEN.findall(server.output())
    assert links, server.output()
    return links[-1]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium chromium-driver)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = launch_chromium(playwright)
    yield launched
    launched.close()


def new_page(browser: Browser, **options: object) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=VIEWPORT, timezone_id="UTC", locale="en-GB", **options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


@pytest.fixture(scope="session")
def local_page(browser: Browser, server: LocalServer) -> Iterator[Page]:
    """A page signed in the way `make run` users are: through the printed one-time link."""
    context, page = new_page(browser)
    page.goto(sign_in_link(server))
    page.get_by_text("signed in as smr-local (local)").wait_for()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
