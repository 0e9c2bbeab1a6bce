"""The result page a submitted form redirects to (`/w/{widget}/result/{link}`), and the state
it polls while the lead is being delivered."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.deps import Services, ServicesDep, WidgetDep
from app.pages.result import link_not_valid_page, result_page
from app.pipeline import Result
from app.store import Submission
from app.tokens import TokenExpired, TokenInvalid
from app.widgets import Widget

router = APIRouter(include_in_schema=False)


@router.get("/w/{widget_id}/result/{link}", name="widget_result")
async def show_result(
    request: Request, link: str, widget: WidgetDep, services: ServicesDep
) -> Response:
    linked = await _linked_submission(services, widget, link)
    if linked is None:
        return link_not_valid_page(request, services, widget)
    submission, already_sent = linked
    status_url = request.url_for("widget_result_status", widget_id=widget.id, link=link).path
    return result_page(request, services, widget, submission, already_sent, str(status_url))


@router.get("/w/{widget_id}/result/{link}/status", name="widget_result_status")
async def result_status(link: str, widget: WidgetDep, services: ServicesDep) -> Response:
    """What the result page polls: only the state, nothing personal."""
    linked = await _linked_submission(services, widget, link)
    if linked is None:
        return JSONResponse({"state": "unknown"}, status_code=404)
    state = Result(linked[0], created=False).public_state
    return JSONResponse({"state": state}, headers={"cache-control": "no-store"})


async def _linked_submission(
    services: Services, widget: Widget, link: str
) -> tuple[Submission, bool] | None:
    """The submission a result link names, if the link is genuine, unexpired and this widget's,
    and whether the link answers a re-send with changed answers."""
    try:
        read = services.signer.read_result(link, widget.id)
    except (TokenInvalid, TokenExpired):
        return None
    submission = await services.store.get(read.submission_id)
    if submission is None or submission.widget_id != widget.id:
        return None
    return submission, read.already_sent
