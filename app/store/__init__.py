"""Durable submissions on SQLite or PostgreSQL.

- `schema`: the table, its states and the time convention (naive UTC);
- `submission`: `Submission` (a stored row, decoded) and `NewSubmission` (about to be stored);
- `repository`: `Store`, every operation on submissions, each one transaction;
- `statements`: the hot statements, built once;
- `sqlite`: how SQLite is reached without blocking the event loop;
- `migrate` and `migrations/`: the Alembic revisions and how they run at start-up.
"""

from app.store.migrate import SchemaNotRecognised, SchemaUpgrade
from app.store.repository import Store
from app.store.schema import (
    DEAD,
    DELIVERED,
    HELD,
    PENDING,
    REJECTED,
    STATES,
    metadata,
    submissions,
    utcnow,
)
from app.store.submission import NewSubmission, Submission

__all__ = [
    "DEAD",
    "DELIVERED",
    "HELD",
    "PENDING",
    "REJECTED",
    "STATES",
    "NewSubmission",
    "SchemaNotRecognised",
    "SchemaUpgrade",
    "Store",
    "Submission",
    "metadata",
    "submissions",
    "utcnow",
]
