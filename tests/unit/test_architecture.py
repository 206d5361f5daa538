"""The import graph keeps its direction (each folder's docstring says what it may import): storage stores,
the domain decides.

storage/ (models, stores, migrations) imports no domain module: not calls/, hotline/ or contacts/, nor
the services and CLI above them. A rule (retry, callback choice, merge) reaches storage as an argument
typed by a Protocol, never as an import. Read from the source (AST), so a lazy import inside a function
counts too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

IVR = Path(__file__).resolve().parents[2] / "ivr"
# folder -> packages (or modules) of ivr it must never import
_ABOVE = ("ivr.cli", "ivr.app", "ivr.serve", "ivr.campaigns", "ivr.protection", "ivr.web")
FORBIDDEN = {
    "storage": ("ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.reports", "ivr.ari", "ivr.speech", "ivr.scripts",
                "ivr.accounts", "ivr.observability", "ivr.cases", *_ABOVE),
    "accounts": ("ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.reports", "ivr.ari", "ivr.speech", *_ABOVE),
    "observability": ("ivr.hotline", "ivr.reports", *_ABOVE),
    "ari": ("ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.storage", "ivr.scripts", "ivr.speech", "ivr.reports",
            *_ABOVE),
    "scripts": ("ivr.ari", "ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.storage", "ivr.speech", "ivr.reports",
                *_ABOVE),
    "speech": ("ivr.ari", "ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.storage", "ivr.reports", *_ABOVE),
    "contacts": ("ivr.ari", "ivr.calls", "ivr.hotline", "ivr.speech", "ivr.reports", *_ABOVE),
    "reports": ("ivr.ari", "ivr.speech", *_ABOVE),
    "sandbox": ("ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.storage", "ivr.reports", "ivr.cli", "ivr.app",
                "ivr.serve", "ivr.campaigns", "ivr.web", "ivr.protection.retention"),
    "calls": ("ivr.hotline", "ivr.reports", *_ABOVE),
    "hotline": ("ivr.reports", *_ABOVE),
    "campaigns": ("ivr.hotline", "ivr.reports", "ivr.cli", "ivr.app", "ivr.serve", "ivr.protection.retention",
                  "ivr.web"),
    "protection": ("ivr.calls", "ivr.hotline", "ivr.cli", "ivr.app", "ivr.serve", "ivr.campaigns", "ivr.web"),
    "serve": ("ivr.cli", "ivr.web"),
    "cases": ("ivr.ari", "ivr.calls", "ivr.hotline", "ivr.contacts", "ivr.speech", "ivr.scripts", "ivr.reports",
              *_ABOVE),
}
ENTRY_POINTS = {"cli", "web"}  # imported by nothing in ivr/ (every rule above forbids them)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in one file of the package at ``root``, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found += [(node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base) for alias in node.names]
            found.append((node.lineno, base))
    return found


def violations(folder: str, forbidden: tuple[str, ...], root: Path = IVR) -> list[str]:
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        for line, module in imported_modules(path, root):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return sorted(set(bad))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_upward_import(folder: str) -> None:
    assert violations(folder, FORBIDDEN[folder]) == []


def test_every_folder_has_a_rule() -> None:
    """A new folder states its place in the graph here, as cases/ had to."""
    folders = {path.parent.name for path in IVR.glob("*/__init__.py")}
    assert folders - set(FORBIDDEN) - ENTRY_POINTS == set()


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The contract is not vacuous: a storage module importing the policy is caught, lazily or not."""
    fake = tmp_path / "ivr"
    (fake / "storage").mkdir(parents=True)
    (fake / "storage" / "ledger.py").write_text(
        "from ivr.storage import models\n"
        "def f():\n    from ivr.calls.policy import next_attempt\n"
        "from ..hotline import recognition\n", encoding="utf-8")
    found = violations("storage", FORBIDDEN["storage"], root=fake)
    assert [v.split(" imports ")[1] for v in found] == ["ivr.calls.policy", "ivr.calls.policy.next_attempt",
                                                         "ivr.hotline", "ivr.hotline.recognition"]
