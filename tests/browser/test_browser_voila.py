"""The binding example in Voilà (the notebook as an app, no code shown): a run recorded in the
store is resumed by typing its id in pk.app()'s field; the resumed app shows its record."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import protocol_kit as pk

from tests.bench import tick_rest

from .lab import CHROMIUM, CHROMIUM_ARGS, start_voila

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "radioligand_binding.ipynb"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM}")


def test_voila_resumes_a_signed_run_by_id(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    (tmp_path / "root").mkdir()
    shutil.copy(EXAMPLES / NOTEBOOK, tmp_path / "root" / NOTEBOOK)
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Tester", store=tmp_path / "store.db")
    run.check(p.checklist[0].id)
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    run.analyse()
    tick_rest(run)
    run.sign("A. Tester", "performed")
    run.sign("B. Reviewer", "reviewed")
    server = start_voila(tmp_path, NOTEBOOK)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(f"{server.url}?token={server.token}", timeout=120_000)
                picker = page.locator(".pk-picker")
                picker.wait_for(timeout=180_000)
                expect(page.locator("body")).not_to_contain_text("RUN_ID")
                expect(page.locator("body")).not_to_contain_text("Error displaying widget")
                picker.locator(".pk-run-id input").fill(run.id)
                picker.locator("button.pk-resume").click()
                status = picker.locator(".pk-status")
                expect(status).to_contain_text(f"Run {run.id} by", timeout=60_000)
                expect(status).to_contain_text("1 analysis result(s)")
                expect(status).to_contain_text("signed and locked")
                # the report step is built after the status line: on a loaded machine it can take
                # longer than expect's 5 s default
                expect(picker.locator(".pk-report")).to_contain_text("performed", timeout=60_000)
                # the review closed the run: Sign is disabled and says why, in Voila too
                expect(picker.locator(".pk-report .pk-sign-blocked")).to_contain_text(
                    "signed 'reviewed' by B. Reviewer")
                expect(picker.locator("button.pk-sign")).to_be_disabled()
                expect(picker.locator("button.pk-upload")).to_be_disabled()
                picker.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "voila-resumed.png"), full_page=True)
                assert re.search(r"A\. Tester", picker.locator(".pk-report").inner_text())
            finally:
                browser.close()
    finally:
        server.stop()
