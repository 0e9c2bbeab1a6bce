"""Moved to `tests.support.forms`: import from there. This re-export keeps old imports working."""

from tests.support.forms import *  # noqa: F403
