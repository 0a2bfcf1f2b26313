"""Every reading option from the command line, named as the errors name it (issue 13, item 3).

Before: the error said "pass extra_wells='ignore'" and `--option extra_wells=ignore` was
refused as an unknown analysis option; the decimal-comma error suggested decimal=',' and the
option was refused the same way. Now both are taken, and the errors say `--option name=value`.
"""
import subprocess
import sys

import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit.cli import main

from .io.corpus import CORPUS

THREE_WL = CORPUS / "softmaxpro_MD_SMP_fluorescence_endpoint_example07.txt"
# Simulated truth (DOMAIN.md): sertraline Ki 0.29 nM at SERT.
TRUE_KI_PM = 290.0
UNIT_PM = {"fM": 1e-3, "pM": 1.0, "nM": 1e3}

# a fluorescent substrate has no listed Km: the plan asks for one
FLUOR_ENDPOINT = ["--set", "substrate=fluorescent substrate", "--set", "substrate_km=500 nM",
                  "--set", "readout=fluorescence endpoint"]

def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _ki_ci_pm(summary: str) -> tuple[float, float]:
    """The Ki's 95% CI from a summary line: '... Ki 303 pM (95% CI 228 pM to 403 pM) ...'."""
    part = summary.split(" Ki ", 1)[1].split("(95% CI ", 1)[1].split(")", 1)[0]
    lo, hi = part.split(" to ")
    return tuple(float(x.split()[0]) * UNIT_PM[x.split()[1]] for x in (lo, hi))


@pytest.fixture
def counts(tmp_path):
    p = pk.RadioligandBinding()
    data = p.simulate(seed=1)[["plate", "well", "cpm"]]
    return p, data


def _analyse(tmp_path, capsys, protocol, data, *extra):
    return run(capsys, "analyse", protocol, "--data", data, "-o", tmp_path / "r.html", "--store",
               tmp_path / "s.db", "--operator", "A. Smith", *extra)


def test_extra_wells_as_the_error_says_it(tmp_path, capsys, counts):
    _, data = counts
    whole = pd.concat([data, pd.DataFrame({"plate": [1], "well": ["H12"], "cpm": [500.0]})])
    path = tmp_path / "whole.csv"
    whole.to_csv(path, index=False)
    code, _, err = _analyse(tmp_path, capsys, "radioligand-binding", path)
    assert code == 2 and "well H12" in err
    assert "pass --option extra_wells=ignore to leave such wells out" in err and "extra_wells='ignore'" not in err
    code, out, err = _analyse(tmp_path, capsys, "radioligand-binding", path, "--option", "extra_wells=ignore")
    assert code == 0, err
    lo, hi = _ki_ci_pm(out)
    assert lo < TRUE_KI_PM < hi


def test_decimal_comma_as_the_error_says_it(tmp_path, capsys, counts):
    _, data = counts
    point, comma = tmp_path / "point.csv", tmp_path / "comma.csv"
    data.to_csv(point, index=False)
    data.assign(cpm=data["cpm"].map(lambda x: f"{x:.1f}".replace(".", ","))).to_csv(comma, sep=";", index=False)
    code, _, err = _analyse(tmp_path, capsys, "radioligand-binding", comma)
    assert code == 2 and "'848,0'" in err and "pass --option decimal=, for decimal commas" in err
    code, out_comma, err = _analyse(tmp_path, capsys, "radioligand-binding", comma, "--option", "decimal=,")
    assert code == 0, err
    code, out_point, _ = _analyse(tmp_path, capsys, "radioligand-binding", point)
    # the same counts read with either mark: the same summary line
    assert out_comma.splitlines()[1] == out_point.splitlines()[1]


def test_a_reader_option_the_reader_does_not_take_is_refused_by_name(tmp_path, capsys):
    code, _, err = _analyse(tmp_path, capsys, "reuptake-inhibition", THREE_WL, *FLUOR_ENDPOINT,
                            "--option", "cpm=Counts")
    # a counter's option given for a SoftMax file: refused by name (before: TypeError, or unknown)
    assert code == 2 and "cpm: 'Counts' is not an option of the softmax reader" in err


def test_wavelength_chooses_a_read_of_the_three_wavelength_file(tmp_path, capsys):
    base = [*FLUOR_ENDPOINT, "--option", "extra_wells=ignore"]
    code, _, err = _analyse(tmp_path, capsys, "reuptake-inhibition", THREE_WL, *base)
    assert code == 2 and "holds 3 reads" in err
    assert "--option wavelength=445, --option wavelength=535 or --option wavelength=780" in err
    # 535 nm read: past the reading, the analysis finds what the (anonymised) values hold
    code, _, err = _analyse(tmp_path, capsys, "reuptake-inhibition", THREE_WL, *base, "--option", "wavelength=535")
    assert code == 2 and "holds 3 reads" not in err and "no specific signal" in err


def test_kinetic_conversion_from_the_command_line_is_recorded(tmp_path, capsys):
    kin = pk.ReuptakeInhibition(readout="fluorescence kinetic", substrate="fluorescent substrate", substrate_km="500 nM")
    path = tmp_path / "kinetic.csv"
    kin.simulate(seed=1).to_csv(path, index=False)
    endpoint = FLUOR_ENDPOINT
    code, _, err = _analyse(tmp_path, capsys, "reuptake-inhibition", path, *endpoint)
    assert code == 2 and "pass --option kinetic=rate or --option kinetic=last" in err
    code, out, err = _analyse(tmp_path, capsys, "reuptake-inhibition", path, *endpoint,
                              "--option", "kinetic=rate", "--option", "rate_window=0-300")
    assert code == 0, err
    assert "converted to one initial rate per well over 0-300 s" in out
    run_id = out.split()[1]
    record = pk.open_run(run_id, tmp_path / "s.db").latest_analysis().result
    assert record["options"] == {"kinetic": "rate", "rate_window": "0-300"}
    assert "kinetic='rate'" in record["result"]["conversion"]


def test_report_reanalyses_with_options(tmp_path, capsys, counts):
    p, data = counts
    path = tmp_path / "counts.csv"
    data.to_csv(path, index=False)
    store = tmp_path / "s.db"
    r = p.start_run("A. Smith", store)
    r.attach_data(path)
    code, out, err = run(capsys, "report", r.id, "-o", tmp_path / "r.html", "--store", store,
                         "--operator", "A. Smith", "--option", "bottom=0")
    assert code == 0, err
    assert pk.open_run(r.id, store).latest_analysis().result["options"] == {"bottom": 0}


def test_subprocess_speaks_the_command_lines_language(tmp_path, counts):
    _, data = counts
    path = tmp_path / "whole.csv"
    pd.concat([data, pd.DataFrame({"plate": [1], "well": ["H12"], "cpm": [5.0]})]).to_csv(path, index=False)
    proc = subprocess.run([sys.executable, "-m", "protocol_kit.cli", "analyse", "radioligand-binding", "--data",
                           str(path), "-o", str(tmp_path / "r.html"), "--store", str(tmp_path / "s.db"),
                           "--operator", "A"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--option extra_wells=ignore" in proc.stderr


def test_a_bad_option_value_is_named_as_the_option_given(tmp_path, capsys):
    kin = pk.ReuptakeInhibition(readout="fluorescence kinetic", substrate="fluorescent substrate", substrate_km="500 nM")
    path = tmp_path / "kinetic.csv"
    kin.simulate(seed=1).to_csv(path, index=False)
    code, _, err = _analyse(tmp_path, capsys, "reuptake-inhibition", path, *FLUOR_ENDPOINT, "--option", "kinetic=299")
    assert code == 2 and err.startswith("error: --option kinetic: 299.0 is not a time of the kinetic read")
