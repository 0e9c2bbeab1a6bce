"""Fixtures for the unit tests: a Widget factory and an environment with no settings in it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.widgets import Question, Widget

WidgetFactory = Callable[..., Widget]


def build_widget(**overrides: Any) -> Widget:
    """A valid widget; any field can be overridden."""
    fields: dict[str, Any] = {
        "id": "default",
        "agency_name": "Acme Estates",
        "api_base": "http://127.0.0.1:1",
    }
    fields.update(overrides)
    return Widget(**fields)


@pytest.fixture
def make_widget() -> WidgetFactory:
    return build_widget


@pytest.fixture
def widget() -> Widget:
    return build_widget()


@pytest.fixture
def timeframe_question() -> Question:
    return Question(
        id="timeframe",
        text="When are you thinking of moving?",
        options=["Within 3 months", "3 to 6 months", "Just curious"],
        required=True,
    )


@pytest.fixture
def mortgage_question() -> Question:
    return Question(
        id="mortgage",
        text="Do you have a mortgage on the property?",
        options=["Yes", "No"],
        required=False,
    )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting comes from the process environment, a `.env` file or ./var of the repo."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
