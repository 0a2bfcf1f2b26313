"""The command line, the SVG plot and the report section of a profile."""
from __future__ import annotations

import re

import protocol_kit.profile as pp
from protocol_kit.cli import main
from protocol_kit.profile.section import section_context
from protocol_kit.records import Store

from .conftest import record


def test_cli_prints_the_table_and_ratios(sim_store, tmp_path, capsys):
    out_svg = tmp_path / "p.svg"
    assert main(["profile", "Sertraline HCl", "--store", str(sim_store[0]), "--svg", str(out_svg)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Sertraline HCl: Ki by target, from 3 run(s) in ")
    # values of test_recovery.test_ratios_by_hand, to three significant digits
    assert re.search(r"^SERT +binding +0\.251 +0\.2-0\.314 +1/1 +0\.2-2\.1 +yes$", out, re.M)
    assert re.search(r"^NET +binding +404 +333-491 +1/1 +25-420 +yes$", out, re.M)
    assert re.search(r"^DAT +binding +27\.2 +20\.3-36\.3 +1/1 +22-440 +yes$", out, re.M)
    assert "  NET/SERT (binding): 1610 (95% CI 1200-2170); sertraline reference 1450" in lines
    assert "  DAT/SERT (binding): 108 (95% CI 74.9-156); sertraline reference 86.2" in lines
    assert "(salt or hydrate form 'HCl' ignored)" in out
    assert lines[-1] == f"wrote {out_svg}" and out_svg.read_text().startswith("<?xml")


def test_cli_unknown_compound_one_line_exit_2(sim_store, capsys):
    assert main(["profile", "sertralne", "--store", str(sim_store[0])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: compound 'sertralne': no radioligand-binding or reuptake-inhibition run of it")
    assert err.endswith("did you mean 'sertraline'? (compounds with results: sertraline)\n")


def test_svg_is_deterministic_and_black_and_white(sim_store):
    a = pp.profile("sertraline", store=sim_store[0]).plot()
    b = pp.profile("sertraline", store=sim_store[0]).plot()      # a new profile read again
    assert a.encode() == b.encode()
    assert "<dc:date>" not in a and "sertraline (binding)" in a
    colours = set(re.findall(r"(?:fill|stroke):\s*(#[0-9a-fA-F]{6})", a))
    # greys only: every colour has equal red, green and blue
    assert colours and all(c[1:3] == c[3:5] == c[5:7] for c in colours)


def test_section_renders_table_and_inline_svg(tmp_path):
    with Store(tmp_path / "s.db") as st:
        record(st, compound="PK<101>", ki=2.0, ci=(1, 4))
        record(st, compound="PK<101>", target="NET", ki=200.0, ci=(100, 400))
        prof = pp.profile("PK<101>", store=st)
    html = pp.render_section(prof)
    assert html.startswith('<section class="profile-section">')
    assert "<h2>PK&lt;101&gt;: profile across runs</h2>" in html          # names escaped
    assert "<tr><td>SERT</td><td>binding</td><td>2</td><td>1-4</td><td>1 of 1</td>" in html
    assert "<tr><td>NET/SERT</td><td>binding</td><td>100</td><td>37.5-267</td>" in html   # by hand in test_profile
    assert html.count("<svg") == 1 and "<?xml" not in html and "&lt;svg" not in html
    assert section_context(prof)["targets"]["columns"][:3] == ["target", "assay", "Ki (nM)"]
