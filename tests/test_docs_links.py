"""The README is the table of contents of docs/ (issue 16): every page in docs/ is linked from
it, and every relative link in the README and in docs/ points to a file that exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # no code blocks
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, re.M)}


def links(page: Path) -> list[tuple[str, Path]]:
    """(link text as written, the file it points to) for each relative link of ``page``."""
    found = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        found.append((target, (page.parent / target.split("#")[0]).resolve()))
    return found


def test_every_docs_page_is_in_the_readme():
    linked = {path for _, path in links(ROOT / "README.md")}
    pages = set(DOCS.glob("*.md"))
    assert pages, "docs/ has no pages"
    assert sorted(p.name for p in pages - linked) == []


def test_every_relative_link_points_to_a_file():
    broken = [f"{page.relative_to(ROOT)}: {target}"
              for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
              for target, path in links(page)
              if not path.exists()]
    assert broken == []


def test_every_anchor_names_a_heading():
    broken = [f"{page.relative_to(ROOT)}: {target}"
              for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
              for target, path in links(page)
              if "#" in target and path.exists() and target.split("#", 1)[1] not in anchors(path)]
    assert broken == []


def test_slugs_as_github_makes_them():
    # worked by hand from GitHub's rule
    assert slug("Signatures: keys, passphrases, receipts") == "signatures-keys-passphrases-receipts"
    assert slug("Assay systems: defaults that follow the target") == "assay-systems-defaults-that-follow-the-target"
    assert slug("From readings to pharmacology (`p.analyse`, `p.simulate`)") == "from-readings-to-pharmacology-panalyse-psimulate"


def test_links_are_found():
    # the README links each of these pages; if the pattern broke, the tests above would pass on nothing
    names = {path.name for _, path in links(ROOT / "README.md")}
    assert {"protocols.md", "fitting.md", "records.md", "LICENSE"} <= names
