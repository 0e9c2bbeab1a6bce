"""Widgets: one per agency (or per agency site), each with its own key, origins, routing and look.

`model`: what a widget is and its rules; `loading`: reading every widget from the environment
or `WIDGETS_FILE`.
"""

from __future__ import annotations

from app.origins import origin_of
from app.widgets.loading import default_widget, development_origins, load_widgets
from app.widgets.model import (
    DEFAULT_CONSENT,
    DEFAULT_CONSENT_WITH_PRIVACY,
    SANDBOX_BASE,
    SANDBOX_KEY,
    Brand,
    Question,
    Widget,
    WidgetId,
)

__all__ = [
    "DEFAULT_CONSENT",
    "DEFAULT_CONSENT_WITH_PRIVACY",
    "SANDBOX_BASE",
    "SANDBOX_KEY",
    "Brand",
    "Question",
    "Widget",
    "WidgetId",
    "default_widget",
    "development_origins",
    "load_widgets",
    "origin_of",
]
