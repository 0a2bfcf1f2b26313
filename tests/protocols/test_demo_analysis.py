"""The demo's analyses: simulated data for each plan, analysed and printed."""
from protocol_kit.demo import print_analyses


def test_demo_prints_the_key_results(capsys):
    binding, saturation, uptake, dialysis = print_analyses(seed=1)
    out = capsys.readouterr().out
    # truth: sertraline Ki 0.29 nM at SERT (reference library), Kd 1.5 nM, Bmax 2000 fmol/mg
    assert binding.ki_ci[0] <= 0.29e-9 <= binding.ki_ci[1] and uptake.ki_ci[0] <= 0.29e-9 <= uptake.ki_ci[1]
    assert saturation.kd_ci[0] <= 1.5e-9 <= saturation.kd_ci[1] and saturation.bmax_ci[0] <= 2000 <= saturation.bmax_ci[1]
    assert "sertraline at SERT: IC50 " in out and "Ki " in out and "(95% CI " in out
    assert "[3H]citalopram at SERT: Kd " in out and "fmol/mg protein" in out
    assert "Z' " in out and "two-way repeated-measures ANOVA" in out and "Greenhouse-Geisser" in out
    assert dialysis.anova.p("treatment x time") < 0.05
