"""The templates ship inside the wheel (built once per session by the ``built_wheel`` fixture)."""
import zipfile


def test_wheel_contains_the_templates(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    for template in ("sheet.html.j2", "base.html.j2", "print.css.j2", "plan_summary.html.j2", "campaign_summary.html.j2"):
        assert f"protocol_kit/templates/{template}" in names


def test_wheel_carries_the_licence_and_the_typing_marker(built_wheel):
    wheel = zipfile.ZipFile(built_wheel)
    names = wheel.namelist()
    assert "protocol_kit/py.typed" in names  # PEP 561: the package's annotations are for type checkers
    licence = [n for n in names if n.endswith("licenses/LICENSE")]
    assert licence and wheel.read(licence[0]).decode().startswith("MIT License")
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata


def test_the_wheel_version_is_the_package_version(built_wheel):
    from protocol_kit._version import __version__

    assert f"-{__version__}-" in built_wheel.name


def test_every_dependency_is_imported_by_the_package():
    # a dependency nobody imports is weight for everyone who depends on protocol_kit
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in deps}
    used_through = {"openpyxl": "engine=\"openpyxl\""}  # pandas' Excel reader loads it by name
    source = "\n".join(p.read_text(encoding="utf-8") for p in (root / "protocol_kit").rglob("*.py"))
    unused = [n for n in sorted(names)
              if not re.search(rf"^\s*(import|from) {n}\b", source, re.M) and used_through.get(n, "@@") not in source]
    assert unused == []
    assert "jupyterlab" not in names  # the notebook front end is the 'lab' extra
