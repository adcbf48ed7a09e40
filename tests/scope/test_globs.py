from __future__ import annotations

import pytest

from budget_gate.scope.globs import (
    GlobError,
    GlobSet,
    compile_glob,
    literal_prefix,
    match_glob,
    normalize_glob,
    path_prefixes,
)


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        # `*` stays inside one segment; `**` crosses directories
        ("src/*", "src/a.py", True),
        ("src/*", "src/pkg/a.py", False),
        ("src/**", "src/a.py", True),
        ("src/**", "src/pkg/deep/a.py", True),
        ("src/**", "src", False),
        ("src/budgets/**", "src/budgets/calc.py", True),
        ("src/budgets/**", "src/budgets_old/calc.py", False),
        ("src/*.py", "src/x/a.py", False),
        ("**/*.py", "a.py", True),
        ("**/*.py", "x/y/z/a.py", True),
        ("**/*.py", "a.pyc", False),
        ("src/**/test_*.py", "src/test_a.py", True),
        ("src/**/test_*.py", "src/pkg/sub/test_a.py", True),
        ("src/**/test_*.py", "lib/src/test_a.py", False),
        ("a/**/**/b", "a/b", True),
        ("a/**/**/b", "a/x/y/b", True),
        ("**", "anything/at/all", True),
        ("src/a**b", "src/axxb", True),  # `**` inside a segment is a plain `*`
        ("src/a**b", "src/a/b", False),
        # anchored at the repository root
        ("*.py", "a.py", True),
        ("*.py", "pkg/a.py", False),
        ("config/phase_budgets.yaml", "config/phase_budgets.yaml", True),
        ("config/phase_budgets.yaml", "x/config/phase_budgets.yaml", False),
        ("config/phase_budgets.yaml", "config/phase_budgets.yaml.bak", False),
        ("/config/*.yaml", "config/a.yaml", True),
        ("docs/", "docs/guide/intro.md", True),
        ("docs/", "docs", False),
        # `?` and classes: one character, never `/`
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file/.txt", False),
        ("file?.txt", "file10.txt", False),
        ("v[0-9].md", "v7.md", True),
        ("v[0-9].md", "vx.md", False),
        ("[abc].md", "b.md", True),
        ("[!abc].md", "d.md", True),
        ("[!abc].md", "a.md", False),
        ("[^abc].md", "a.md", False),
        ("a[!x]b", "a/b", False),
        ("a[/]b", "a/b", False),
        ("[]]x", "]x", True),
        ("weird[", "weird[", True),  # an unclosed class is literal
        # regex characters are literal; a backslash escapes a wildcard
        ("a+b(c).yaml", "a+b(c).yaml", True),
        ("a.b", "axb", False),
        (r"lit\*.md", "lit*.md", True),
        (r"lit\*.md", "litx.md", False),
        # unicode and spaces are ordinary characters
        ("docs/ü ber/*.md", "docs/ü ber/a b.md", True),
    ],
)
def test_match_glob(glob: str, path: str, expected: bool) -> None:
    assert match_glob(glob, path) is expected


def test_matching_is_case_sensitive_like_git() -> None:
    assert match_glob("Docs/*.md", "Docs/a.md")
    assert not match_glob("Docs/*.md", "docs/a.md")


def test_normalize_glob() -> None:
    assert normalize_glob("/src/") == "src/**"
    assert normalize_glob("a/**/**/b") == "a/**/b"


@pytest.mark.parametrize("glob", ["", "/", "a//b"])
def test_empty_glob_is_refused(glob: str) -> None:
    with pytest.raises(GlobError, match="empty"):
        normalize_glob(glob)


def test_reversed_range_says_how_to_fix() -> None:
    with pytest.raises(GlobError, match="write it as a-z"):
        compile_glob("[z-a].md")


def test_compile_glob_is_cached() -> None:
    assert compile_glob("src/**/*.py") is compile_glob("src/**/*.py")


@pytest.mark.parametrize(
    ("glob", "prefix"),
    [
        ("src/budgets/**", "src/budgets"),
        ("src/budgets/", "src/budgets"),
        ("config/phase_budgets.yaml", "config/phase_budgets.yaml"),
        ("plans/*/plan.md", "plans"),
        ("**/*.py", ""),
        ("*.md", ""),
        ("a/b[12]/c", "a"),
        (r"a/b\*/c", "a"),
    ],
)
def test_literal_prefix(glob: str, prefix: str) -> None:
    assert literal_prefix(glob) == prefix


def test_every_match_has_the_literal_prefix_among_its_path_prefixes() -> None:
    cases = [
        ("src/budgets/**", "src/budgets/x/y.py"),
        ("a/**/b", "a/b"),
        ("config/x.yaml", "config/x.yaml"),
        ("**/*.py", "top.py"),
    ]
    for glob, path in cases:
        assert match_glob(glob, path)
        assert literal_prefix(glob) in path_prefixes(path)


def test_path_prefixes() -> None:
    assert path_prefixes("a/b/c.py") == ["", "a", "a/b", "a/b/c.py"]
    assert path_prefixes("top.py") == ["", "top.py"]


def test_glob_set_matches_any_glob() -> None:
    globs = GlobSet(["plans/*/plan.md", "plans/*/plan.yaml", "docs/artifacts/*.yaml"])
    assert globs.matches("plans/IMP-1/plan.md")
    assert globs.matches("docs/artifacts/x.yaml")
    assert not globs.matches("plans/IMP-1/notes/plan.md")
    assert globs.matching("plans/IMP-1/plan.yaml") == ["plans/*/plan.yaml"]
    assert globs.matching("README.md") == []
    paths = ["README.md", "plans/a/plan.md", "docs/artifacts/y.yaml"]
    assert globs.filter(paths) == ["plans/a/plan.md", "docs/artifacts/y.yaml"]


def test_glob_set_alternatives_stay_anchored() -> None:
    # `a|b` must not become "a, or anything ending in b" when the globs are combined.
    globs = GlobSet(["x.yaml", "docs/*.md"])
    assert not globs.matches("x.yaml.bak")
    assert not globs.matches("prefix/docs/a.md")


def test_empty_glob_set_matches_nothing() -> None:
    globs = GlobSet([])
    assert not globs
    assert not globs.matches("anything")
    assert globs.filter(["a", "b"]) == []
