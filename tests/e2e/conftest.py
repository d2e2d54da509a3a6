"""Real-browser tests: Playwright drives Debian's Chromium against a live test server.

Each page visited is checked with axe-core for serious and critical accessibility problems.
Run them with `pytest tests/e2e` (apart from the rest of the suite; `make test` does both).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API keeps an event loop running in this process's main thread; the ORM
# calls the tests make beside it are still plain synchronous calls. Because that loop would
# upset other tests, `make test` runs this folder in a pytest process of its own.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config, items):
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"Browser tests need {', '.join(missing)} (.ci/run installs them)")
    skip = pytest.mark.skip(reason=f"needs {', '.join(missing)}: run `make browser`")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script; the site's own CSP (tested elsewhere) would block it.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB"}


def accessibility_problems(page) -> list[str]:
    """Serious and critical axe-core violations on the current page."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def assert_accessible():
    def check(page):
        problems = accessibility_problems(page)
        assert problems == [], f"{page.url}:\n" + "\n".join(problems)

    return check


@pytest.fixture
def sign_in_as(page, live_server):
    def sign_in(username, password="demo-pass-2026"):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in
