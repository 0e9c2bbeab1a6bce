"""Moved to `tests.support.apps`: import from there. This re-export keeps old imports working."""

from tests.support.apps import *  # noqa: F403
