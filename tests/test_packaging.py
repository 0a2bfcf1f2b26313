"""The templates ship inside the wheel (built once per session by the ``built_wheel`` fixture)."""
import zipfile


def test_wheel_contains_the_templates(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    for template in ("sheet.html.j2", "base.html.j2", "print.css.j2", "plan_summary.html.j2"):
        assert f"protocol_kit/templates/{template}" in names
