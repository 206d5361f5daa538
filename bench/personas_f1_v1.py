"""The phones' behaviour for the benchmark: the sandbox's default rule as it was for f1_daily version 1.

The benchmark dials bench/scripts/f1_daily.yaml (the script as of 2026-11-30, before issue 14 made it
shorter) so that figures before and after compare. Its answers took 8 keys; the default rule now presses
the keys of the new script. This module writes a personas file that gives every number of the bench list
the old keys (tails 00-49 healthy, 50-59 fever and shortness of breath, 60-64 not the person); other
numbers keep the default rule, whose other behaviours did not change.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"  # holds the frozen f1_daily.yaml
HEALTHY_KEYS_V1 = "1,1,2,2,2,2,2,2"
SYMPTOMATIC_KEYS_V1 = "1,1,1,2,1,2,2,2"
WRONG_PERSON_KEYS_V1 = "2"


def keys_v1(number: str) -> str | None:
    """The keys the phone with this number pressed under the version-1 default rule (None: no keys)."""
    tail = int("".join(c for c in number if c.isdigit())[-2:])
    if tail < 50:
        return HEALTHY_KEYS_V1
    if tail < 60:
        return SYMPTOMATIC_KEYS_V1
    if tail < 65:
        return WRONG_PERSON_KEYS_V1
    return None


def write_personas(path: Path, numbers: Iterable[str]) -> Path:
    """A personas file: the version-1 keys for each number that pressed keys, the default rule otherwise."""
    personas = {n: {"behaviour": "answer_keys", "keys": keys, "first": 3.0, "gap": 2.5}
                for n in numbers if (keys := keys_v1(n)) is not None}
    path.write_text(yaml.safe_dump({"personas": personas, "default": "rule"}), encoding="utf-8")
    return path
