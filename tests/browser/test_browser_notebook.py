"""The binding example notebook in a real JupyterLab, driven in headless Chromium.

Runs all cells, changes a parameter, starts the run, ticks a step (by mouse, then by keyboard),
uploads the simulated data file the notebook wrote, runs the analysis and checks the IC50 on the
page, renders the report and signs, and checks the events in the store. Screenshots are saved
in tests/browser/artifacts/.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit.records import Store

from ..conftest import TEST_PASSPHRASE
from .lab import CHROMIUM, CHROMIUM_ARGS, start_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "radioligand_binding.ipynb"
DATA_FILE = "binding-simulated-counts.csv"   # written by the notebook's second code cell
# The simulated truth: sertraline Ki 0.29 nM at SERT, [L] = Kd, so IC50 = 0.29 x (1 + 1) = 0.58 nM.
TRUE_IC50_PM = 580.0
N_STEPS = len(pk.RadioligandBinding().checklist)   # 18: every one is ticked before 'performed'
PM = {"fM": 1e-3, "pM": 1.0, "nM": 1e3, "µM": 1e6}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} "
                                "(`bash scripts/dev.sh test` installs it)")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = start_lab(tmp_path_factory.mktemp("lab"))
    try:
        shutil.copy(EXAMPLES / NOTEBOOK, server.root / NOTEBOOK)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.set_default_timeout(30_000)
            yield pg
        finally:
            browser.close()


def _pm(text: str) -> float:
    number, unit = text.split()
    return float(number) * PM[unit]


def _run_all_cells(page) -> None:
    """Run > Run All Cells, once the kernel is idle (a kernel dialog, if any, is accepted)."""
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    page.get_by_text(re.compile(r"\| Idle")).wait_for(timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    dialog = page.locator(".jp-Dialog button.jp-mod-accept")
    try:
        dialog.click(timeout=3_000)
    except Exception:  # noqa: BLE001 - no dialog: the usual case
        pass


def _step(page, title: str) -> None:
    page.locator(".pk-app .lm-TabBar-tab", has_text=title).click()


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def test_browser_plan_layout_at_1400_px_and_the_sheet_message(lab, page):
    """At a 1400 x 900 window (the file browser open, as JupyterLab starts), the preview stands
    beside the form, and the checklist with its hazards column fits inside the preview and the
    window. A sheet refused for a bad plan says so, and the error goes once the plan is fixed."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    try:
        page.goto(lab.open_url(NOTEBOOK), timeout=60_000)
        _run_all_cells(page)
        page.locator(".pk-app .pk-plan").first.wait_for(timeout=120_000)
        page.locator(".pk-checklist").first.scroll_into_view_if_needed()
        form, preview = _box(page, ".pk-plan-form"), _box(page, ".pk-plan-preview")
        # side by side: the preview starts where the form ends, on the same row (not wrapped below)
        assert preview["x"] >= form["x"] + form["width"] - 1 and abs(preview["y"] - form["y"]) < 1
        assert preview["width"] >= 400
        table, hazards = _box(page, ".pk-checklist"), _box(page, ".pk-checklist th:has-text('hazards')")
        right = min(preview["x"] + preview["width"], 1400)
        assert table["x"] + table["width"] <= right + 0.5, (table, preview)
        assert hazards["x"] >= preview["x"] and hazards["x"] + hazards["width"] <= right + 0.5, (hazards, preview)
        # a hazard is readable on the page, in its column (rb-incubate is timing-critical)
        cell = _box(page, ".pk-checklist tr:has-text('rb-incubate') td:nth-child(5)")
        assert cell["x"] + cell["width"] <= right + 0.5
        expect(page.locator(".pk-checklist tr", has_text="rb-incubate").first).to_contain_text("timing-critical")
        page.screenshot(path=str(ARTIFACTS / "plan-1400x900.png"))

        # a sheet refused for a bad plan, then the plan fixed: the error goes
        field = page.locator(".pk-field-n_conc input").first
        field.fill("40")
        page.locator("button.pk-sheet-html").click()
        message = page.locator(".pk-plan-preview .pk-msg-error")
        expect(message.last).to_contain_text("plan has problems")
        message.last.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "plan-sheet-error.png"))
        field.fill("8")
        expect(page.locator(".pk-plan-preview .pk-msg-error")).to_have_count(0)
        page.locator("button.pk-sheet-html").click()
        expect(page.locator(".pk-plan-preview a.pk-download")).to_contain_text("sheet.html")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure-layout.png"))
        raise
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


def test_browser_plan_to_analysis_in_the_example_notebook(lab, page):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.goto(lab.open_url(NOTEBOOK), timeout=60_000)
        _run_all_cells(page)
        page.locator(".pk-app").wait_for(timeout=120_000)

        # Plan: change a parameter; the preview follows
        page.get_by_label("Incubation time", exact=True).fill("90")
        expect(page.locator(".pk-checklist")).to_contain_text("Incubate 90 min")

        # Bench: start the run and tick the first step
        _step(page, "2. Bench")
        page.get_by_label("Your name").fill("A. Tester")
        page.locator("button.pk-start").click()
        expect(page.locator(".pk-status")).to_contain_text("by A. Tester")
        page.locator(".pk-step-rb-buffer input[type=checkbox]").check()
        expect(page.locator(".pk-step-rb-buffer")).to_contain_text("by A. Tester")
        page.locator(".pk-step-rb-filters input[type=checkbox]").focus()   # the keyboard works too
        page.keyboard.press("Space")
        expect(page.locator(".pk-step-rb-filters")).to_contain_text("by A. Tester")
        # the rest of the checklist, so that 'performed' can be signed (every step ticked)
        rest = page.locator("[class*='pk-step-'] input[type=checkbox]:not(:checked)")
        while rest.count():
            rest.first.check()
        expect(page.locator("[class*='pk-step-'] input[type=checkbox]:checked")).to_have_count(N_STEPS)

        # Data: upload the file the notebook wrote; the plate map shows code and reading
        _step(page, "3. Data")
        with page.expect_file_chooser() as chooser:
            page.locator("button.pk-upload").click()
        chooser.value.set_files(str(lab.root / DATA_FILE))
        expect(page.locator(".pk-data")).to_contain_text(f"Read {DATA_FILE}")
        a1 = pd.read_csv(lab.root / DATA_FILE).set_index("well").loc["A1", "cpm"]
        expect(page.locator(".pk-readings td[title^='A1:']")).to_have_attribute("title", f"A1: TB = {a1:.4g} CPM")
        expect(page.locator(".pk-readings-box")).to_contain_text("readings in CPM")
        page.locator(".pk-readings").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "binding-data.png"))

        # Analysis: the result table shows the IC50 with its CI
        _step(page, "4. Analysis")
        page.locator("button.pk-run-analysis").click()
        table = page.locator(".pk-result-table")
        expect(table).to_contain_text("IC50", timeout=60_000)
        expect(page.locator(".pk-status")).to_contain_text("1 analysis result(s)")
        row = table.locator("tr", has_text="IC50").first.inner_text().replace("\u00a0", " ")
        found = re.search(r"IC50\s+(\S+ [fpnµ]M)\s+95% CI (\S+ [fpnµ]M) to (\S+ [fpnµ]M)", row)
        assert found, row
        ic50, lo, hi = (_pm(x) for x in found.groups())
        assert lo < ic50 < hi and lo < TRUE_IC50_PM < hi
        table.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "binding-analysis.png"))
        curve = page.locator(".pk-analysis figure svg").first
        curve.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "binding-curve.png"))

        # Report: render, then sign; the run is locked
        _step(page, "5. Report")
        page.locator("button.pk-report-html").click()
        expect(page.locator(".pk-report a.pk-download")).to_contain_text("report.html", timeout=60_000)
        page.get_by_label("Signer's name").fill("A. Tester")
        page.locator(".pk-passphrase input").fill(TEST_PASSPHRASE)  # A. Tester's key (tests/conftest.py)
        page.locator("button.pk-sign").click()
        expect(page.locator(".pk-status")).to_contain_text("signed and locked")
        expect(page.locator(".pk-report")).to_contain_text("performed")
        # a review closes the run: Sign and the Data step's buttons are disabled, with the reason
        page.get_by_label("Signer's name").fill("B. Reviewer")
        page.get_by_label("Meaning").select_option("reviewed")
        page.locator("button.pk-sign").click()
        expect(page.locator(".pk-report .pk-sign-blocked")).to_contain_text("signed 'reviewed' by B. Reviewer")
        expect(page.locator("button.pk-sign")).to_be_disabled()
        page.locator("button.pk-sign").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "binding-reviewed.png"))
        _step(page, "3. Data")
        expect(page.locator(".pk-data .pk-closed")).to_contain_text("signed 'reviewed' by B. Reviewer")
        expect(page.locator("button.pk-upload")).to_be_disabled()
        expect(page.locator("button.pk-attach")).to_be_disabled()
        _step(page, "5. Report")

        # pk.app() (the last cell) renders, and resumes the signed run typed by its id
        picker = page.locator(".pk-picker")
        picker.scroll_into_view_if_needed()
        expect(picker).to_be_visible()
        expect(page.locator(".jp-Notebook")).not_to_contain_text("Error displaying widget")
        run_id = re.search(r"\b\d{8}-radioligand-binding-[0-9a-f]{6}\b",
                           page.locator(".pk-status").first.inner_text()).group(0)
        picker.locator(".pk-run-id input").fill(run_id)
        picker.locator("button.pk-resume").click()
        expect(picker.locator(".pk-status")).to_contain_text("signed and locked", timeout=60_000)
        picker.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "binding-resumed.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure.png"))
        raise

    # The store holds every action as an event, in order
    store = Store(lab.store, create=False)
    try:
        (summary,) = store.runs()
        recorded = store.events(summary.run_id)
    finally:
        store.close()
    types = [e.type for e in recorded]
    assert types == ["started", *["step_checked"] * N_STEPS, "data_attached", "analysis_recorded",
                     "report_rendered", "signature", "signature"]
    assert recorded[0].payload["params"]["incubation_time"] == "90.0 min"
    assert recorded[1].payload == {"step_id": "rb-buffer"} and recorded[1].operator == "A. Tester"
    assert recorded[2].payload == {"step_id": "rb-filters"}
    ticked = recorded[1:N_STEPS + 1]
    assert sorted(e.payload["step_id"] for e in ticked) == sorted(s.id for s in pk.RadioligandBinding().checklist)  # each step once
    recorded = [recorded[0], *ticked[:2], *recorded[N_STEPS + 1:]]  # as before: the two first ticks, then the rest
    assert recorded[3].payload["sha256"] == hashlib.sha256((lab.root / DATA_FILE).read_bytes()).hexdigest()
    assert recorded[4].payload["result"]["result"]["ic50"] * 1e12 == pytest.approx(ic50, rel=5e-3)
    assert (recorded[6].payload["name"], recorded[6].payload["meaning"]) == ("A. Tester", "performed")
    assert (recorded[7].payload["name"], recorded[7].payload["meaning"]) == ("B. Reviewer", "reviewed")
