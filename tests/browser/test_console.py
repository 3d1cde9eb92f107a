"""What people do in the console, clicked through in Chromium against the local server.

The tests share one seeded server (tests/browser/seed.py) and run in file order: the promotion made in the first
test is what the timeline and time travel show.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import BOB, api_as, new_page, screenshot
from tests.browser.seed import MODEL, PRIVATE_MODEL, UPLOADED_FILES, UPLOADED_MODEL, WEBHOOK, WEBHOOK_URL
from tests.support.server import LocalServer

pytestmark = pytest.mark.browser


def _open(page: Page, server: LocalServer, route: str, heading: str | re.Pattern[str] | None = None) -> None:
    """Go to a console route; with `heading`, wait until that page is drawn (the previous one may still be up)."""
    page.goto(f"{server.url}/{route}")
    if heading is not None:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def test_search_then_model_then_version_then_compare(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, "#/models")
    models = page.get_by_role("table", name="Models")
    expect(models.locator("tbody tr")).to_have_count(25)  # a page, not everything
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("page 2")).to_be_visible()
    screenshot(page, "models")

    page.get_by_label("Filter (MLflow grammar)").fill("name LIKE 'fraud%'")
    page.get_by_role("button", name="Search").click()
    expect(models.locator("tbody tr")).to_have_count(1)
    expect(models.locator("tbody tr")).to_contain_text("v2")  # in Staging
    models.get_by_role("link", name=MODEL).click()

    expect(page.get_by_role("heading", name=MODEL)).to_be_visible()
    description = page.locator(".description")
    expect(description.locator("strong")).to_have_text("fraud")
    # The markup in the description is shown as text: no element, no script ran, no javascript: link.
    expect(description).to_contain_text("<script>window.__pwned=1</script>")
    assert description.locator("img, script").count() == 0
    assert description.locator("a").evaluate_all("links => links.map(a => a.href)") == ["https://example.com/runbook"]
    assert page.evaluate("window.__pwned") is None

    page.get_by_role("link", name="Version 2", exact=True).click()
    expect(page.get_by_role("heading", name=f"{MODEL} version 2")).to_be_visible()
    expect(page.get_by_text(f"models:/{MODEL}/2", exact=True)).to_be_visible()
    expect(page.get_by_role("table").filter(has_text="accuracy")).to_contain_text("0.96")
    screenshot(page, "version")

    page.get_by_role("link", name=MODEL).click()
    page.get_by_label("Select version 1 to compare").check()
    page.get_by_label("Select version 3 to compare").check()
    page.get_by_role("button", name="Compare selected").click()
    compare = page.get_by_role("table", name="Compared versions")
    expect(compare.locator("tr.differs", has_text="accuracy")).to_contain_text("0.97")
    expect(compare.locator("tr.differs", has_text="validated")).to_be_visible()
    screenshot(page, "compare")
    assert page.errors == []  # type: ignore[attr-defined]


def test_promotion_is_previewed_refused_by_policy_allowed_and_shown_on_the_timeline(
    local_page: Page, server: LocalServer
) -> None:
    page = local_page
    _open(page, server, f"#/models/{MODEL}/versions/2", heading=f"{MODEL} version 2 Staging MANAGE")
    actions = page.get_by_role("region", name="Actions")
    actions.get_by_label("Target stage").select_option("Production")
    verdict = actions.get_by_role("list", name="Promotion policy verdict")
    expect(verdict.locator("li.pass")).to_contain_text("accuracy >= 0.95")
    expect(verdict.locator("li.fail")).to_contain_text("tag validated = true")
    actions.get_by_role("button", name="Transition").click()
    expect(actions.get_by_role("alert")).to_contain_text("refuses version 2 for stage:Production")
    assert (
        api_as(server).call("GET", "/api/2.0/mlflow/model-versions/get", {"name": MODEL, "version": "2"})[
            "model_version"
        ]["current_stage"]
        == "Staging"
    )

    before_promotion = datetime.now(UTC)
    time.sleep(1.1)  # the time-travel question below names a whole second before the promotion
    _open(page, server, f"#/models/{MODEL}/versions/3", heading=f"{MODEL} version 3 None MANAGE")
    actions = page.get_by_role("region", name="Actions")
    actions.get_by_label("Target stage").select_option("Production")
    expect(actions.get_by_role("list", name="Promotion policy verdict").locator("li.fail")).to_have_count(0)
    actions.get_by_label("Comment").fill("canary passed")
    actions.get_by_role("button", name="Transition").click()
    expect(page.get_by_role("heading", name=f"{MODEL} version 3")).to_contain_text("Production")

    page.get_by_role("link", name=MODEL).click()
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li").first).to_contain_text("v3: None → Production")
    expect(timeline.locator("li").first).to_contain_text("canary passed")
    expect(timeline).to_contain_text("v1: Production → Archived")
    screenshot(page, "model")

    asked = page.get_by_role("form", name="What was in a stage at a date")
    asked.locator("input[name=at]").fill(before_promotion.strftime("%Y-%m-%dT%H:%M:%S"))
    asked.get_by_role("button", name="Ask").click()
    expect(asked.get_by_role("status")).to_contain_text("Production at")
    expect(asked.get_by_role("status")).to_contain_text("version 1")


def test_an_editor_edits_the_description_and_tags_in_place(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, f"#/models/{UPLOADED_MODEL}", heading=f"{UPLOADED_MODEL} MANAGE")
    page.get_by_text("Edit description").click()
    page.get_by_role("textbox", name="Description").fill("Uploaded by **CI**.")
    page.get_by_role("button", name="Save description").click()
    expect(page.locator(".description strong")).to_have_text("CI")
    page.get_by_role("textbox", name="Tag key").fill("owner")
    page.get_by_role("textbox", name="Tag value").fill("ml-platform")
    page.get_by_role("button", name="Set tag").click()
    expect(page.get_by_text("owner=ml-platform")).to_be_visible()
    page.get_by_role("button", name="Delete tag owner").click()
    expect(page.get_by_text("owner=ml-platform")).to_have_count(0)
    model = api_as(server).call("GET", "/api/2.0/mlflow/registered-models/get", {"name": UPLOADED_MODEL})
    assert model["registered_model"]["description"] == "Uploaded by **CI**."
    assert "tags" not in model["registered_model"] or model["registered_model"]["tags"] == []


def test_a_stale_alias_move_gets_a_conflict_not_an_overwrite(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, f"#/models/{MODEL}/versions/2", heading=f"{MODEL} version 2 Staging MANAGE")
    actions = page.get_by_role("region", name="Actions")
    expect(actions).to_be_visible()
    # Someone else moves the alias after this page was drawn (it saw champion -> 1).
    api_as(server).call(
        "POST", "/api/2.0/mlflow/registered-models/alias", {"name": MODEL, "alias": "champion", "version": "3"}
    )
    actions.get_by_role("textbox", name="Alias").fill("champion")
    actions.get_by_role("button", name="Set alias").click()
    expect(actions.get_by_role("alert")).to_contain_text("RESOURCE_CONFLICT")
    model = api_as(server).call("GET", "/api/2.0/mlflow/registered-models/get", {"name": MODEL})["registered_model"]
    assert {"alias": "champion", "version": "3"} in model["aliases"]


def test_the_events_page_shows_the_webhooks_and_their_failed_deliveries(local_page: Page, server: LocalServer) -> None:
    page = local_page
    for _ in range(10):  # deliveries are made in the background, a moment after the changes
        _open(page, server, f"#/models/{MODEL}/events", heading=f"Events of {MODEL}")
        webhook = page.locator("section.webhook", has_text=WEBHOOK)
        expect(webhook).to_contain_text(WEBHOOK_URL)
        if webhook.locator("tr.failed").count():
            break
        time.sleep(1)
    expect(webhook.locator("tr.failed").first).to_contain_text("model_version.created")
    screenshot(page, "events")


def test_the_keyboard_reaches_a_model_from_the_search_box(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, "#/models?name=fraud", heading="Models")
    page.get_by_label("Filter (MLflow grammar)").focus()
    link = page.get_by_role("link", name=MODEL)
    for _ in range(12):  # Tab through the search form to the first row's link
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"{MODEL} MANAGE", exact=True)).to_be_visible()


def test_a_version_shows_its_files_as_a_tree_with_sizes_hashes_and_downloads(
    local_page: Page, server: LocalServer
) -> None:
    page = local_page
    files = page.get_by_role("region", name="Files")
    deadline = time.monotonic() + 90  # the copier settles an uploaded version after `complete` (seconds, under load)
    while time.monotonic() < deadline:
        _open(page, server, f"#/models/{UPLOADED_MODEL}/versions/1", heading=re.compile(UPLOADED_MODEL))
        expect(files).to_be_visible()
        if files.get_by_role("link").count():
            break
        time.sleep(1)
    weights = files.get_by_role("listitem").filter(has_text="weights.bin").last
    expect(weights).to_contain_text("2.0 KiB")
    expect(weights.locator("code.sha")).to_have_text(hashlib.sha256(UPLOADED_FILES["model/weights.bin"]).hexdigest())
    expect(files.get_by_role("group").filter(has_text="model/")).to_be_visible()  # the folder
    href = weights.get_by_role("link", name="weights.bin").get_attribute("href")
    assert href is not None and href.startswith("http://127.0.0.1:")
    assert requests.get(href, timeout=30).content == UPLOADED_FILES["model/weights.bin"]


def test_a_reader_sees_no_action_and_a_forced_request_is_refused(browser: Browser, server: LocalServer) -> None:
    context, page = new_page(browser)
    try:
        page.goto(f"{server.url}/")
        # No cookie: bob signs in with his key; the browser signs each request itself (SigV4, WebCrypto).
        page.get_by_label("Access key id").fill(BOB[0])
        page.get_by_label("Secret access key").fill(BOB[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(f"signed in as {BOB[0]}")).to_be_visible()
        _open(page, server, f"#/models/{MODEL}/versions/1", heading=re.compile(rf"^{MODEL} version 1 \w+ READ$"))
        expect(page.get_by_role("region", name="Actions")).to_have_count(0)
        # Nothing that changes the model: only copy buttons, no form, no editor.
        assert set(page.get_by_role("button").all_inner_texts()) == {"Sign out", "Copy"}
        assert page.locator("main form, main textarea, main details").count() == 0
        _open(page, server, f"#/models/{MODEL}", heading=f"{MODEL} READ")
        expect(page.get_by_role("button", name="Set tag")).to_have_count(0)
        expect(page.get_by_text("Edit description")).to_have_count(0)
        expect(page.get_by_role("button", name="Delete tag team")).to_have_count(0)

        refused = page.evaluate(
            """async ([name]) => {
                const api = await import("/console/js/api.js");
                try {
                    const body = {name, version: "1", stage: "Production"};
                    await api.post(`${api.MLFLOW}/model-versions/transition-stage`, body);
                    return "accepted";
                } catch (error) { return `${error.status} ${error.code}`; }
            }""",
            [MODEL],
        )
        assert refused == "403 PERMISSION_DENIED"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        context.close()


def test_a_private_model_does_not_appear_to_others(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, "#/models?name=bobs")
    expect(page.get_by_role("status")).to_have_text("No model on this page.")
    _open(page, server, f"#/models/{PRIVATE_MODEL}")
    expect(page.get_by_role("alert")).to_contain_text(re.compile("PERMISSION_DENIED|RESOURCE_DOES_NOT_EXIST"))
    expect(page.get_by_role("heading", name=PRIVATE_MODEL)).to_have_count(0)


LOG_MODEL_SCRIPT = """
import mlflow, numpy as np
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("console")
X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
with mlflow.start_run():
    mlflow.log_param("C", 0.5)
    for step, loss in enumerate([0.9, 0.5, 0.3, 0.2]):
        mlflow.log_metric("loss", loss, step=step)
    model = LogisticRegression(C=0.5).fit(X, y)
    # Explicit requirements: inferring them runs the model in a subprocess, which costs a minute here.
    mlflow.sklearn.log_model(
        model, name="model", registered_model_name="console-run-model", pip_requirements=["scikit-learn"]
    )
"""


def test_the_run_link_that_log_model_prints_opens_the_run(
    local_page: Page, server: LocalServer, tmp_path: Path
) -> None:
    environment = {
        **server.client_environment(),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    finished = subprocess.run(
        [sys.executable, "-c", LOG_MODEL_SCRIPT],
        env=environment,
        cwd=tmp_path,  # not the repository: mlflow would inspect its uv project for the model's requirements
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    link = next(line.split(" at: ")[1] for line in finished.stdout.splitlines() if line.startswith("🏃 View run"))
    assert link.startswith(f"{server.url}/#/experiments/")

    page = local_page
    page.goto(link)
    expect(page.get_by_role("heading", name="Run")).to_be_visible()
    expect(page.get_by_role("table").filter(has_text="Param")).to_contain_text("0.5")
    chart = page.get_by_role("img", name="loss: 4 points")
    expect(chart).to_be_visible()
    assert chart.locator("circle").count() == 4
    expect(page.get_by_role("link", name="console-run-model version 1")).to_be_visible()
    screenshot(page, "run")


def test_the_console_fits_a_phone(browser: Browser, server: LocalServer, local_page: Page) -> None:
    page = local_page
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        _open(page, server, f"#/models/{MODEL}", heading=f"{MODEL} MANAGE")
        expect(page.get_by_role("heading", name=MODEL)).to_be_visible()
        expect(page.get_by_role("link", name="Version 3", exact=True)).to_be_visible()
        expect(page.get_by_role("list", name="Timeline").locator("li").first).to_be_visible()
        # Wide tables scroll inside their box; the page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, "model-phone")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def test_deployed_sign_in_trades_a_cognito_password_for_role_credentials_that_sign_calls(
    browser: Browser, server: LocalServer
) -> None:
    """Cognito itself is stood in for (no AWS here); the page's flow and its signing with a session token are real."""
    context, page = new_page(browser)
    calls: list[str] = []

    def cognito(route: Route) -> None:
        target = route.request.headers["x-amz-target"]
        calls.append(target.split(".")[1])
        answers = {
            "InitiateAuth": {"AuthenticationResult": {"IdToken": "id-token"}},
            "GetId": {"IdentityId": "us-east-1:identity"},
            "GetCredentialsForIdentity": {
                "Credentials": {"AccessKeyId": BOB[0], "SecretKey": BOB[1], "SessionToken": "session-token"}
            },
        }
        route.fulfill(status=200, content_type="application/x-amz-json-1.1", body=json.dumps(answers[calls[-1]]))

    session = {"mode": "cognito", "region": "us-east-1", "user_pool_id": "us-east-1_pool"}
    session |= {"user_pool_client_id": "client", "identity_pool_id": "us-east-1:pool"}
    try:
        page.route("**/console/session", lambda route: route.fulfill(json=session))
        page.route("https://cognito-*.us-east-1.amazonaws.com/", cognito)
        page.goto(f"{server.url}/")
        page.get_by_label("User name").fill("bob")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("signed in as bob")).to_be_visible()
        expect(page.get_by_role("table", name="Models").locator("tbody tr")).to_have_count(25)
        assert calls == ["InitiateAuth", "GetId", "GetCredentialsForIdentity"]
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        context.close()


def test_deleting_a_version_asks_for_its_number_first(local_page: Page, server: LocalServer) -> None:
    page = local_page
    _open(page, server, f"#/models/{MODEL}/versions/2", heading=f"{MODEL} version 2 Staging MANAGE")
    page.get_by_text("Delete this version…").click()
    page.get_by_role("button", name="Delete version").click()  # the confirmation is empty: the browser refuses
    expect(page.get_by_role("heading", name=f"{MODEL} version 2 Staging MANAGE")).to_be_visible()
    page.get_by_label("Confirm version number").fill("2")
    page.get_by_role("button", name="Delete version").click()
    expect(page.get_by_role("heading", name=f"{MODEL} MANAGE", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Version 2", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Version 3", exact=True)).to_be_visible()
