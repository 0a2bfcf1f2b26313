"""Write tests/analysis/data/same_numbers.json (run on purpose only, after a deliberate change
of a number, and say why in the commit): .venv/bin/python tests/analysis/make_same_numbers.py"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from same_numbers import DATA, statistics  # noqa: E402

if __name__ == "__main__":
    (DATA / "same_numbers.json").write_text(json.dumps(statistics(), indent=0, sort_keys=True) + "\n")
