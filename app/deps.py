"""What route handlers need, built once by the app's lifespan and handed out as dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.addresses.lookup import AddressLookup
from app.delivery import Delivery
from app.ratelimit import RateLimiter
from app.settings import Settings
from app.store import Store
from app.templating import Templates
from app.tokens import Signer
from app.widgets import Widget


@dataclass
class Services:
    settings: Settings
    widgets: dict[str, Widget]
    store: Store
    delivery: Delivery
    signer: Signer
    templates: Templates
    limiter: RateLimiter
    addresses: AddressLookup  # postcode -> addresses for the journey and the JSON API


class UnknownWidget(Exception):
    def __init__(self, widget_id: str):
        self.widget_id = widget_id


# Both are `async def` although they never wait: FastAPI runs a plain `def` dependency in its
# thread pool, and that hop cost more CPU than the rest of the form page put together.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services  # set by the lifespan, before any request
    return services


async def get_widget(widget_id: str, request: Request) -> Widget:
    widget: Widget | None = request.app.state.services.widgets.get(widget_id)
    if widget is None:
        raise UnknownWidget(widget_id)
    return widget


ServicesDep = Annotated[Services, Depends(get_services)]
WidgetDep = Annotated[Widget, Depends(get_widget)]
