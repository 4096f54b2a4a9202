"""The HTML report in a real browser: Debian's Chromium driven by Playwright. A filter hides
rows, a case's detail opens from its link, the copy button copies the repro script, and an engine
message carrying <script> shows as text without running.

Skipped (with the reason) where Chromium or Playwright is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A real run: torch, and a torch whose add() raises a message full of HTML."""
    out = tmp_path_factory.mktemp("run")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--engine",
            "torch",
            "--engine",
            "module:script_message_torch",
            "-k",
            "leaf or requires_grad",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    html = out / "latest" / "index.html"
    assert html.exists(), sorted(p.name for p in (out / "latest").iterdir())
    return html


@pytest.fixture(scope="module")
def page(report):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        tab = context.new_page()
        tab.goto(report.as_uri())
        tab.wait_for_function(
            "document.body.dataset.ready === '1' || !!document.getElementById('report-ready')"
        )
        yield tab
        browser.close()


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all(
        "#matrix tr.case:not([hidden])", "rows => rows.map(r => r.dataset.id)"
    )


def test_the_page_has_its_sections(page):
    for section in (
        "#summary",
        "#summary-table",
        "#summary-chart",
        "#interop",
        "#by-area",
        "#metadata",
        "#matrix",
    ):
        assert page.query_selector(section) is not None, section


def test_a_status_filter_hides_the_rows_that_do_not_match(page):
    everything = visible_rows(page)
    page.select_option("#filter-status", "error")
    erroring = visible_rows(page)
    assert erroring and len(erroring) < len(everything)
    for case_id in erroring:
        statuses = page.get_attribute(f'#matrix tr.case[data-id="{case_id}"]', "data-statuses")
        assert "error" in statuses.split()
    page.select_option("#filter-status", "")
    assert visible_rows(page) == everything


def test_free_text_filter_matches_the_case_id(page):
    page.fill("#filter-text", "retain")
    shown = visible_rows(page)
    assert shown and all("retain" in case_id for case_id in shown)
    page.fill("#filter-text", "")


def test_following_a_case_link_opens_its_detail_and_copy_gives_the_script(page):
    case_id = visible_rows(page)[0]
    detail = f'section.detail[id="case-{case_id}"]'
    assert not page.is_visible(detail)
    page.click(f'#matrix tr.case[data-id="{case_id}"] a.case-link')
    page.wait_for_selector(detail, state="visible")
    button = page.query_selector(f"{detail} button.copy")
    target = button.get_attribute("data-target")
    script = page.text_content(f"#{target}")
    assert script.strip() and "torch" in script
    button.click()
    page.wait_for_function("b => b.textContent.trim() === 'Copied'", arg=button)
    assert page.evaluate("navigator.clipboard.readText()") == script


def test_an_engine_message_with_html_shows_as_text_and_never_runs(page, report):
    assert page.evaluate("window.__injected === undefined")
    html = report.read_text(encoding="utf-8")
    assert "<script>window.__injected" not in html
    assert 'onerror="window.__injected' not in html
    page.select_option("#filter-status", "error")
    case_id = visible_rows(page)[0]
    page.click(f'#matrix tr.case[data-id="{case_id}"] a.case-link')
    detail = page.wait_for_selector(f'section.detail[id="case-{case_id}"]', state="visible")
    assert "<script>window.__injected = true</script>" in detail.text_content()
    assert page.evaluate("window.__injected === undefined")
    page.select_option("#filter-status", "")
