"""The reading options on the Data step and the kinetic choice on the Analysis step, driven
through the widgets (no browser); errors name the form's field, not a Python keyword (issue 13)."""
import html

import pandas as pd

import protocol_kit as pk

from .conftest import events, start, upload

# Simulated truth (DOMAIN.md): sertraline Ki 0.29 nM at SERT; binding with [L] = Kd: IC50 = 2 Ki.
TRUE_IC50 = 2 * 0.29e-9
FLUOR = {"substrate": "fluorescent substrate", "substrate_km": "500 nM"}  # no listed Km: the plan asks for one


def _msg(view) -> str:
    return html.unescape(view.message.value)


def test_the_data_step_offers_every_reading_option(app):
    assert list(app.data_view.fields) == ["format", "sheet", "decimal", "extra_wells", "read", "wavelength",
                                          "exclude_wells"]


def test_decimal_comma_is_named_by_its_field_and_set_there(app, store_path, binding):
    run = start(app)
    data = binding.simulate(seed=1)[["plate", "well", "cpm"]]
    comma = data.assign(cpm=data["cpm"].map(lambda x: f"{x:.1f}".replace(".", ","))).to_csv(sep=";", index=False)
    upload(app.data_view, "comma.csv", comma.encode())
    msg = _msg(app.data_view)
    assert "Error:" in msg and "set 'Decimal mark' to 'comma (1,5)' on the Data step for decimal commas" in msg and "decimal=" not in msg
    app.data_view.fields["decimal"].value = "comma (1,5)"
    app.data_view.reread_button.click()
    assert "Done:" in _msg(app.data_view) and "42 rows" in _msg(app.data_view)
    app.analysis_view.run_button.click()
    record = events(store_path, run.id)[-1][1]["result"]
    assert record["options"]["decimal"] == ","
    lo, hi = record["result"]["ic50_ci"]
    assert lo < TRUE_IC50 < hi


def test_extra_wells_are_named_by_their_field(app, binding):
    start(app)
    data = binding.simulate(seed=1)[["plate", "well", "cpm"]]
    whole = pd.concat([data, pd.DataFrame({"plate": [1], "well": ["H12"], "cpm": [500.0]})])
    upload(app.data_view, "whole.csv", whole.to_csv(index=False).encode())
    msg = _msg(app.data_view)
    assert "H12" in msg and "set 'Wells not in the plan' to 'leave them out' on the Data step to leave such wells out" in msg
    app.data_view.fields["extra_wells"].value = "leave them out"
    app.data_view.reread_button.click()
    assert "Done:" in _msg(app.data_view) and "42 rows" in _msg(app.data_view)


def test_kinetic_data_for_an_endpoint_plan_is_converted_only_when_asked(store_path, tmp_path):
    p = pk.ReuptakeInhibition(readout="fluorescence endpoint", **FLUOR)
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    run = start(app)
    kinetic = pk.ReuptakeInhibition(readout="fluorescence kinetic", **FLUOR).simulate(seed=1)
    upload(app.data_view, "kinetic.csv", kinetic.to_csv(index=False).encode())
    assert "Done:" in _msg(app.data_view)
    av = app.analysis_view
    av.run_button.click()
    assert "Error:" in _msg(av)
    assert "to convert it, set 'Kinetic data' to 'initial rate per well' on the Analysis step or set 'Kinetic data' to 'last time point' on the Analysis step" in _msg(av)
    assert not any(t == "analysis_recorded" for t, _ in events(store_path, run.id))
    av.options["kinetic"].value = "initial rate per well"
    av.run_button.click()
    record = events(store_path, run.id)[-1][1]["result"]
    assert record["options"]["kinetic"] == "rate"
    assert "kinetic='rate'" in record["result"]["conversion"] and record["result"]["conversion"] in record["summary"]
    # the same rates as the kinetic plan's own analysis
    own = pk.ReuptakeInhibition(readout="fluorescence kinetic", **FLUOR).analyse(kinetic)
    assert record["result"]["ic50"] == own.ic50


def test_a_wavelength_is_chosen_on_the_data_step(store_path, tmp_path):
    p = pk.ReuptakeInhibition(readout="fluorescence endpoint", **FLUOR)
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    run = start(app)
    data = p.simulate(seed=1)
    two = pd.concat([data.assign(read=1, wavelength_nm=485.0), data.assign(read=2, wavelength_nm=600.0, value=1.0)])
    upload(app.data_view, "two.csv", two.to_csv(index=False).encode())
    msg = _msg(app.data_view)
    assert "holds 2 reads" in msg
    assert "choose one: set 'Wavelength (nm)' to '485' on the Data step or set 'Wavelength (nm)' to '600' on the Data step" in msg
    app.data_view.fields["wavelength"].value = "485"
    app.data_view.reread_button.click()
    assert "Done:" in _msg(app.data_view)
    app.analysis_view.run_button.click()
    record = events(store_path, run.id)[-1][1]["result"]
    assert record["options"]["wavelength"] == "485"
    assert record["result"]["ic50"] == p.analyse(data).ic50


def test_a_resumed_run_reads_with_the_options_its_analysis_recorded(app, store_path, tmp_path, binding):
    run = start(app)
    data = binding.simulate(seed=1)[["plate", "well", "cpm"]]
    whole = pd.concat([data, pd.DataFrame({"plate": [1], "well": ["H12"], "cpm": [500.0]})])
    app.data_view.fields["extra_wells"].value = "leave them out"
    upload(app.data_view, "whole.csv", whole.to_csv(index=False).encode())
    app.analysis_view.run_button.click()
    again = binding.form(store=store_path, out_dir=tmp_path / "out", run_id=run.id)
    assert again.data_view.fields["extra_wells"].value == "leave them out"
    assert again.session.data.frame is not None and len(again.session.data.frame) == 42


def test_a_bad_field_value_is_named_by_its_label(store_path, tmp_path):
    p = pk.ReuptakeInhibition(readout="fluorescence endpoint", **FLUOR)
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    start(app)
    app.data_view.fields["wavelength"].value = "blue"
    upload(app.data_view, "data.csv", p.simulate(seed=1).to_csv(index=False).encode())
    msg = _msg(app.data_view)
    assert "Error:" in msg and "data.csv: 'Wavelength (nm)': 'blue' is not allowed; allowed: a wavelength in nm" in msg
