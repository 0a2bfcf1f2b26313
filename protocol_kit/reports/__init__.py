"""Rendering of bench sheets and reports with jinja2 (HTML) and WeasyPrint (PDF)."""
