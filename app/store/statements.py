"""The repository's hot statements, built once.

Building a SQLAlchemy statement costs more CPU than SQLite takes to run it. Values arrive as bound
parameters (p_…, so they never clash with column names), typed so that SQLite stores times in
SQLAlchemy's format whatever the statement.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.store.schema import DEAD, DELIVERED, PENDING, REJECTED, submissions

_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "p_id": sa.String(),
    "p_owner": sa.String(),
    "p_now": sa.DateTime(),
    "p_until": sa.DateTime(),
    "p_at": sa.DateTime(),
}


def param(name: str) -> sa.BindParameter[Any]:
    """The bound parameter `name` (p_…), with its type: times are DateTime, the rest text."""
    return sa.bindparam(name, type_=_TYPES.get(name, sa.Text()))


FIND = sa.select(submissions).where(submissions.c.id == param("p_id"))

CLAIMABLE = sa.and_(
    submissions.c.state == PENDING,
    sa.or_(submissions.c.claimed_until.is_(None), submissions.c.claimed_until < param("p_now")),
)
CLAIM_VALUES: dict[str, Any] = {
    "claimed_by": param("p_owner"),
    "claimed_until": param("p_until"),
    "updated_at": param("p_now"),
    # Taking over a claim that lapsed: its holder died, maybe after the Lead API got the lead.
    "maybe_sent_before": sa.case(
        (
            sa.and_(
                submissions.c.claimed_by.is_not(None),
                submissions.c.claimed_by != param("p_owner"),
            ),
            sa.true(),
        ),
        else_=submissions.c.maybe_sent_before,
    ),
}
CLAIM = (
    submissions.update()
    .where(
        submissions.c.id == param("p_id"),
        sa.or_(
            CLAIMABLE,
            sa.and_(submissions.c.state == PENDING, submissions.c.claimed_by == param("p_owner")),
        ),
    )
    .values(**CLAIM_VALUES)
    .returning(*submissions.c)
)


def _finish(**values: Any) -> sa.Update:
    """An outcome, recorded only while the owner holds the claim; returns the row it left."""
    return (
        submissions.update()
        .where(
            submissions.c.id == param("p_id"),
            submissions.c.state == PENDING,
            submissions.c.claimed_by == param("p_owner"),
        )
        .values(updated_at=param("p_now"), claimed_by=None, claimed_until=None, **values)
        .returning(*submissions.c)
    )


_ONE_MORE = submissions.c.attempts + 1
MARK_DELIVERED = _finish(
    state=DELIVERED,
    valuation=param("p_valuation"),
    delivered_at=param("p_now"),
    attempts=_ONE_MORE,
    last_error=None,
)
MARK_REJECTED = _finish(state=REJECTED, rejection=param("p_rejection"), attempts=_ONE_MORE)
MARK_DEAD = _finish(state=DEAD, last_error=param("p_error"), attempts=_ONE_MORE)
RETRY = _finish(next_attempt_at=param("p_at"), last_error=param("p_error"), attempts=_ONE_MORE)
RETRY_MAYBE_SENT = _finish(
    next_attempt_at=param("p_at"),
    last_error=param("p_error"),
    attempts=_ONE_MORE,
    maybe_sent_before=True,
)
NOTE_MAYBE_SENT = (
    submissions.update().where(submissions.c.id == param("p_id")).values(maybe_sent_before=True)
)
RELEASE = (
    submissions.update()
    .where(submissions.c.id == param("p_id"), submissions.c.claimed_by == param("p_owner"))
    .values(claimed_by=None, claimed_until=None)
)
