"""Write the example notebooks of this folder (outputs empty): ``python examples/make_notebooks.py``.

One notebook per protocol. Each plans the assay, writes a small simulated instrument file
beside itself (so the Data and Analysis steps can be tried without an instrument), and ends
with the guided app.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

STEPS = """\
The app below walks you through five steps; everything you do is recorded at once in the run
(in `protocol_kit.db` beside this notebook, or the file named by `$PROTOCOL_KIT_STORE`):

1. **Plan**: change any value; a message appears beside a field that is not allowed, the
   preview (checklist, reagents, {plan}) follows, and *Print sheet* gives the bench sheet.
2. **Bench**: type your name and press *Start run*; tick each step as you do it (time and name
   are recorded), start the timers, record reagent lots, deviations and notes.
3. **Data**: upload the instrument file (try `{data}`, written by the cell above).
4. **Analysis**: choose the options and press *Run analysis*.
5. **Report**: render the report (HTML or PDF), download it, and sign.

To continue a run later (here or in Voilà), use the last cell: type the run's id (shown at
the top of the app) under *Run id* and press *Resume*; the app opens where the run stopped."""

EXAMPLES = {
    "radioligand_binding": dict(
        title="Radioligand binding: sertraline at SERT",
        intro="A competition binding assay: sertraline against [3H]citalopram on membranes of "
              "HEK293 cells expressing human SERT, counted by liquid scintillation.",
        build='p = pk.RadioligandBinding(target="SERT", radioligand="[3H]citalopram", compound="sertraline")',
        data="binding-simulated-counts.csv", what="a scintillation counter's list (plate, well, cpm)",
        write="p.simulate(seed=1).to_csv(DATA_FILE, index=False)", plan="plate map"),
    "reuptake_inhibition": dict(
        title="Reuptake inhibition: sertraline on [3H]5-HT uptake",
        intro="Inhibition of [3H]5-HT uptake into hSERT-HEK293 cells by sertraline, with "
              "fluoxetine as the full-inhibition control.",
        build='p = pk.ReuptakeInhibition(transporter="SERT", substrate="[3H]5-HT", compound="sertraline")',
        data="uptake-simulated-counts.csv", what="a scintillation counter's list (plate, well, cpm)",
        write="p.simulate(seed=1).to_csv(DATA_FILE, index=False)", plan="plate map"),
    "microdialysis": dict(
        title="In vivo microdialysis: extracellular 5-HT after sertraline",
        intro="Ventral hippocampal 5-HT in freely moving rats: baseline fractions, then sertraline "
              "10 mg/kg i.p. or vehicle, fractions every 20 min, HPLC-ECD.",
        build='p = pk.Microdialysis(region="ventral hippocampus", drug="sertraline", dose="10 mg/kg")',
        data="microdialysis-simulated-hplc.csv",
        what="an HPLC results table (standards, then one row per animal and fraction)",
        imports="from pathlib import Path\n\nfrom protocol_kit.demo_files import hplc_results\n\n",
        write="hplc_results(p, p.simulate(seed=1), Path(DATA_FILE))",
        plan="fraction schedule"),
}


def notebook(name: str, e: dict) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(f"# {e['title']}\n\n{e['intro']}\n\nRun the cells from the top "
                          "(*Run ▸ Run All Cells*), then use the app at the bottom."),
        new_code_cell(f"import protocol_kit as pk\n\n{e['build']}\np"),
        new_markdown_cell(f"Simulated readings for this plan, as {e['what']}, to try the Data and "
                          "Analysis steps without an instrument (seed 1: the reference pharmacology "
                          "of `protocol_kit.reference`)."),
        new_code_cell(f'{e.get("imports", "")}DATA_FILE = "{e["data"]}"\n{e["write"]}\nprint("wrote", DATA_FILE)'),
        new_markdown_cell("## The guided app\n\n" + STEPS.format(data=e["data"], plan=e["plan"])),
        new_code_cell("app = p.form()\napp"),
        new_markdown_cell("## Continue a recorded run\n\nType its id and press *Resume* (or pick a "
                          "protocol and press *Open* for a new plan)."),
        new_code_cell("pk.app()"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    for name, e in EXAMPLES.items():
        nb = notebook(name, e)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
