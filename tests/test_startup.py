"""What importing protocol_kit loads: the package and the command line start without pandas,
pint or the layers they do not use; the analysis layer loads none of the layers above it.
(Times are measured in benchmarks/startup.py, never asserted here.)"""
import json
import subprocess
import sys

import pytest

PROBE = ("import json, sys; import {module}; "
         "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('protocol_kit', 'pandas', 'pint', "
         "'scipy', 'statsmodels', 'matplotlib', 'weasyprint', 'ipywidgets'))))")


def loaded(module: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout))


def roots(mods: set[str]) -> set[str]:
    return {m.split(".")[0] if not m.startswith("protocol_kit.") else ".".join(m.split(".")[:2]) for m in mods}


@pytest.mark.parametrize("module", ["protocol_kit", "protocol_kit.cli"])
def test_the_package_and_the_command_line_load_no_heavy_library(module):
    mods = roots(loaded(module))
    assert not mods & {"pandas", "pint", "scipy", "statsmodels", "matplotlib", "weasyprint", "ipywidgets"}
    assert mods <= {"protocol_kit", "protocol_kit._version", "protocol_kit.errors", "protocol_kit.cli"}


def test_the_analysis_layer_loads_no_layer_above_it():
    mods = roots(loaded("protocol_kit.analysis"))
    above = {"protocol_kit.records", "protocol_kit.io", "protocol_kit.reports", "protocol_kit.widgets",
             "protocol_kit.protocols", "protocol_kit.core", "protocol_kit.design"}
    assert not mods & above, sorted(mods & above)


def test_lazy_names_resolve_and_unknown_names_fail():
    import protocol_kit as pk

    assert pk.get_protocol("microdialysis").id == "microdialysis"
    assert "RadioligandBinding" in dir(pk) and pk.ParameterError.__module__ == "protocol_kit.errors"
    with pytest.raises(AttributeError, match="no attribute 'RadioLigandBinding'"):
        pk.RadioLigandBinding


def test_the_analysis_layer_loads_no_dask_until_a_campaign_is_fitted():
    """Dask's dataframe, distributed and the campaign package (issue 18) load only when
    fit_logistic_many is given a Dask frame or Parquet files, not with the analysis layer or a
    pandas fit. (pint itself imports dask's core, dask.base, whenever dask is installed.)"""
    code = ("import json, sys; import protocol_kit.analysis; first = sorted(sys.modules); "
            "import numpy as np, pandas as pd; from protocol_kit.analysis import fit_logistic_many; "
            "fit_logistic_many(pd.DataFrame({'c': 0, 'conc': np.r_[0, 10.0 ** np.arange(-9, -3.0)], "
            "'response': [100, 99, 90, 50, 10, 2, 1.0]}), by='c'); "
            "print(json.dumps([first, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, after = json.loads(out.stdout)
    assert not [m for m in first if m.split(".")[0] in ("dask", "distributed", "pyarrow")]
    heavy = ("dask.dataframe", "distributed", "protocol_kit.analysis.campaign")
    assert not [m for m in after if m.startswith(heavy)]
