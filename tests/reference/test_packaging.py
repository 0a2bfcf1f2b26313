"""The reference data file ships inside the wheel and is read from it (zip import, no source tree)."""
import subprocess
import sys
import zipfile


def test_wheel_ships_and_reads_the_reference_data(built_wheel, tmp_path):
    wheel = built_wheel
    assert "protocol_kit/reference/data/antidepressants.csv" in zipfile.ZipFile(wheel).namelist()
    # import from the wheel itself, from a directory without the source tree
    code = (f"import sys; sys.path.insert(0, {str(wheel)!r}); import protocol_kit.reference as r; "
            "assert '.whl' in r.__file__, r.__file__; "
            "print(len(r.table()), r.ki('sertraline', 'SERT').value.to('nM').magnitude)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["43", "0.29"]  # 43 rows: 36 cells of seed 004 + 7 of seed 000
