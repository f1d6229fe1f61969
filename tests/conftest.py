"""Shared fixtures: paths of the example manifests."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "experiments" / "quickstart"


@pytest.fixture
def quickstart() -> Path:
    return QUICKSTART
