"""The example notebooks: committed without outputs, and they run top to bottom in a kernel."""
from pathlib import Path

import nbformat
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = {"radioligand_binding": "binding-simulated-counts.csv",
             "reuptake_inhibition": "uptake-simulated-counts.csv",
             "microdialysis": "microdialysis-simulated-hplc.csv"}
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_one_notebook_per_protocol():
    import protocol_kit as pk

    assert sorted(NOTEBOOKS) == sorted(i.replace("-", "_") for i in pk.protocol_ids())
    assert sorted(p.stem for p in EXAMPLES.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_committed_without_outputs(name):
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_runs_top_to_bottom(name, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("PROTOCOL_KIT_STORE", str(tmp_path / "runs.db"))
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert (tmp_path / NOTEBOOKS[name]).is_file()          # the simulated file for the Data step
    last = nb.cells[-1].outputs
    assert any(WIDGET in o.get("data", {}) for o in last)  # the app
    assert not any(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
