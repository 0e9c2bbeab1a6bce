"""Getting stored submissions to the Lead API: once in the request, then retried in the background.

The request claims its submission and waits a bounded time for the upstream; if that runs out the
attempt carries on in the background and the result page picks up the outcome. Anything that
failed transiently is retried by the worker with capped exponential backoff and full jitter, until
the schedule runs out and the submission is marked dead (and logged loudly).

`service`: the `Delivery` service (attempts, in flight, the worker); `outcomes`: recording what
an attempt ended in; `running`: opening and closing it all with the app.
"""

from __future__ import annotations

from app.delivery.outcomes import Outcomes
from app.delivery.running import running_delivery
from app.delivery.service import Delivery, worker_name

__all__ = ["Delivery", "Outcomes", "running_delivery", "worker_name"]
