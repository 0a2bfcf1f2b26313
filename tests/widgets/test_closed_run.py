"""A signed run in the app: what is closed is disabled, with the reason shown beside it
(issue 14). 'performed' closes the bench record; a review ('reviewed') closes the run: no data,
analysis, exclusion or signature is taken, and the plain controller says so."""
import pytest

from protocol_kit.errors import ProtocolKitError

from .conftest import events, start, upload


def tick_all(app):
    for row in app.bench_view.steps:
        row.tick.value = True


def sign(app, name, meaning):
    rv = app.report_view
    rv.signer.value, rv.meaning.value = name, meaning
    rv.sign_button.click()


@pytest.fixture
def performed(app, counts_csv):
    start(app, "A. Smith")
    tick_all(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    sign(app, "A. Smith", "performed")
    assert app.session.run.signatures[-1].meaning == "performed"
    return app


def test_before_a_run_the_controller_says_why_it_cannot_sign(app):
    assert not app.session.report.can_sign
    assert "start the run" in app.session.report.sign_blocked()
    assert app.report_view.sign_button.disabled


def test_performed_closes_the_bench_with_its_reason_and_leaves_the_analysis_open(performed, store_path):
    app = performed
    bv, av = app.bench_view, app.analysis_view
    assert all(r.tick.disabled for r in bv.steps)
    assert bv.lot_button.disabled and bv.dev_button.disabled and bv.note_button.disabled
    assert bv.handover_button.disabled
    note = bv.closed_message.value
    assert "Note:" in note and "signed &#x27;performed&#x27; by A. Smith" in note
    # the analysis choices stay open after 'performed', like the analysis (the record takes them)
    assert app.session.closed() is None and app.session.report.can_sign
    assert not av.exclude_button.disabled and not av.run_button.disabled and not app.data_view.upload.disabled
    assert av.closed_message.value == "" and app.data_view.closed_message.value == ""
    av.exclude_item.value, av.exclude_reason.value = "A3", "pipetting error"
    av.exclude_button.click()
    assert events(store_path, app.session.run_id)[-1][0] == "excluded"


def test_reviewed_closes_the_run_and_every_recording_button_says_why(performed, store_path):
    app = performed
    sign(app, "B. Jones", "reviewed")
    run_id = app.session.run_id
    n = len(events(store_path, run_id))
    rv, dv, av = app.report_view, app.data_view, app.analysis_view
    # the plain controller says whether signing is possible, and why not
    reason = app.session.report.sign_blocked()
    assert not app.session.report.can_sign and "signed 'reviewed' by B. Jones" in reason
    with pytest.raises(ProtocolKitError, match="signed 'reviewed' by B. Jones"):
        app.session.report.sign("C. Chen", "approved")
    # every recording control is disabled, with the reason beside it
    assert rv.sign_button.disabled and rv.signer.disabled and rv.meaning.disabled
    assert "signed &#x27;reviewed&#x27; by B. Jones" in rv.sign_blocked.value
    assert dv.upload.disabled and dv.path_button.disabled and dv.reread_button.disabled
    assert "signed &#x27;reviewed&#x27; by B. Jones" in dv.closed_message.value
    assert av.run_button.disabled and av.exclude_button.disabled and av.supersede_button.disabled
    assert "signed &#x27;reviewed&#x27; by B. Jones" in av.closed_message.value
    # a click that reaches a disabled button anyway (a stale tab) records nothing
    rv.signer.value, rv.meaning.value = "C. Chen", "approved"
    rv.sign_button.click()
    assert "Error:" in rv.sign_message.value and len(events(store_path, run_id)) == n
    # rendering stays possible (not recorded), and does not re-enable what is closed
    rv.html_button.click()
    assert len(events(store_path, run_id)) == n and rv.sign_button.disabled


def test_a_resumed_reviewed_run_opens_closed(performed, binding, store_path, tmp_path):
    sign(performed, "B. Jones", "reviewed")
    again = binding.form(run_id=performed.session.run_id, store=store_path, out_dir=tmp_path)
    assert again.report_view.sign_button.disabled and again.data_view.upload.disabled
    assert "signed &#x27;reviewed&#x27; by B. Jones" in again.report_view.sign_blocked.value
