"""What route handlers need, built once by the app's lifespan and handed out as dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from app.delivery import Delivery
from app.ratelimit import RateLimiter
from app.settings import Settings
from app.store import Store
from app.tokens import Signer
from app.widgets import Widget


@dataclass
class Services:
    settings: Settings
    widgets: dict[str, Widget]
    store: Store
    delivery: Delivery
    signer: Signer
    templates: Jinja2Templates
    limiter: RateLimiter


class UnknownWidget(Exception):
    def __init__(self, widget_id: str):
        self.widget_id = widget_id


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_widget(widget_id: str, request: Request) -> Widget:
    widget = get_services(request).widgets.get(widget_id)
    if widget is None:
        raise UnknownWidget(widget_id)
    return widget


ServicesDep = Annotated[Services, Depends(get_services)]
WidgetDep = Annotated[Widget, Depends(get_widget)]
