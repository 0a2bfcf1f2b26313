"""Labels on every control, units always shown, messages in words, for every protocol."""
import ipywidgets as w
import pytest

import protocol_kit as pk

INPUTS = (w.Text, w.Textarea, w.Dropdown, w.Combobox, w.Checkbox, w.DatePicker, w.FileUpload)


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


@pytest.fixture
def any_app(protocol_id, tmp_path):
    return pk.get_protocol(protocol_id).form(store=tmp_path / "runs.db", out_dir=tmp_path)


def test_every_control_has_a_label(any_app):
    controls = [x for x in _walk(any_app) if isinstance(x, INPUTS)]
    assert len(controls) > len(any_app.session.plan.specs)
    unlabelled = [type(x).__name__ for x in controls if not (x.description or "").strip()]
    assert unlabelled == []


def test_every_quantity_shows_its_unit(any_app):
    for name, f in any_app.plan_view.fields.items():
        p = any_app.session.protocol.parameter(name)
        if p.unit is None:
            assert f.unit is None
        else:
            assert f.unit is not None and f.unit.label.strip()
            assert p.unit in [u for _, u in f.unit.options]   # the declared unit is always offered


def test_every_button_says_what_it_does(any_app):
    buttons = [x for x in _walk(any_app) if isinstance(x, w.Button)]
    assert buttons and all(b.description.strip() and b.tooltip for b in buttons)


def test_the_steps_are_a_tab_bar_in_order(any_app):
    assert any_app.steps.titles == ("1. Plan", "2. Bench", "3. Data", "4. Analysis", "5. Report")
    assert any_app.steps.selected_index == 0


def test_the_picker_offers_every_protocol_and_labels_its_controls(tmp_path):
    picker = pk.app(store=tmp_path / "runs.db", out_dir=tmp_path)
    assert [value for _, value in picker.choice.options] == pk.protocol_ids()
    controls = [x for x in _walk(picker) if isinstance(x, INPUTS)]
    assert controls and all((x.description or "").strip() for x in controls)
    picker.choice.value = "microdialysis"
    app = picker.open_protocol()
    assert app.session.protocol.id == "microdialysis" and app in picker.holder.children
