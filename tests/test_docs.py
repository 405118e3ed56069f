"""Docs that stand on their own: tables render, theory claims have anchors, citations point inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
CLAIMS = [f"T{i}" for i in range(1, 29)]
DELIMITER = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def table_cells(row: str) -> list[str]:
    """The cells of a Markdown table row; ``\\|`` is a literal bar, not a cell boundary (as GitHub reads it)."""
    body = row.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return re.split(r"(?<!\\)\|", body)


def table_problems(text: str) -> list[str]:
    """Every row of every Markdown table whose number of cells differs from its header's."""
    problems, lines, fenced, i = [], text.splitlines(), False, 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif (not fenced and "|" in line and i + 1 < len(lines) and DELIMITER.match(lines[i + 1].strip())):
            width = len(table_cells(line))
            if len(table_cells(lines[i + 1])) != width:
                problems.append(f"line {i + 2}: delimiter row has {len(table_cells(lines[i + 1]))} cells, header {width}")
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                n = len(table_cells(lines[j]))
                if n != width:
                    problems.append(f"line {j + 1}: {n} cells, header has {width}: {lines[j][:80]}")
                j += 1
            i = j
            continue
        i += 1
    return problems


def test_table_checker_catches_a_broken_row():
    good = "| a | b |\n|---|---|\n| `x \\| y` | 2 |\n"
    bad = "| a | b |\n|---|---|\n| x | y | z |\n"
    unescaped = '| a | b |\n|---|---|\n| list of "p" | "q" | 1 |\n'
    assert table_problems(good) == []
    assert len(table_problems(bad)) == 1 and len(table_problems(unescaped)) == 1
    assert table_problems("```\n| a |\n|---|---|\n| x | y | z |\n```\n") == []


@pytest.mark.parametrize("path", [*DOCS, ROOT / "README.md"], ids=lambda p: p.name)
def test_every_table_row_has_as_many_cells_as_its_header(path):
    assert table_problems(path.read_text()) == []


def test_theory_has_every_claim_under_its_own_anchor():
    text = (ROOT / "docs/theory.md").read_text()
    for claim in CLAIMS:
        assert f'<a id="{claim.lower()}"></a>' in text, claim
        assert re.search(rf"^### {claim} — \S", text, re.M), claim
    assert "## What the outcome indices mean" in text
    for index in ("efficiency", "democracy", "innovation"):
        assert re.search(rf"^\| {index} \|", text, re.M)


def test_links_to_theory_anchors_resolve():
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', (ROOT / "docs/theory.md").read_text()))
    files = [*DOCS, ROOT / "README.md"]
    links = [(f.name, a) for f in files for a in re.findall(r"theory\.md#([\w-]+)", f.read_text())]
    assert links, "the scenario reference links its theory IDs to docs/theory.md"
    assert [link for link in links if link[1] not in anchors] == []


OWNED = ["src/govsim/config.py", "src/govsim/fields.py", "src/govsim/cli.py", "src/govsim/runner.py",
         "src/govsim/io.py", "src/govsim/__init__.py", "README.md", "docs/scenarios.md", "docs/theory.md",
         "scripts/gen_scenario_docs.py", "pyproject.toml"]


@pytest.mark.parametrize("name", OWNED)
def test_citations_point_inside_the_repository(name):
    text = (ROOT / name).read_text()
    for outside in ("THEORY.md", "MODEL-SKETCH", "STYLE.md"):
        assert outside not in text, f"{name} cites {outside}; cite docs/theory.md"
