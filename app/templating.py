"""The one Jinja environment: auto-escaping everywhere, a few filters the pages share."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"


def money(value: int | float) -> str:
    """£285,000: whole pounds, thousands separated."""
    return f"£{round(value):,}"


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True
    env.filters["money"] = money
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates
