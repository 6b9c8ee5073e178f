"""The one door to Celery: services hand work to the queue here, after their commit.

It imports nothing of the services: a task is found by its name in the Celery app's registry
(the names `helpdesk.tasks.<name>` never change, so work queued before a deploy still runs).
"""

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue_on_commit(
    task_name: str, *args: Any, if_broker_down: Callable[[], object] | None = None
) -> None:
    """Hand work to Celery once the rows it reads are committed.

    A broker outage is logged, not raised: the row is already stored and the beat's
    requeue of stuck work sends it when the broker is back. Work that no row records is
    done here and now instead, by `if_broker_down`.
    """

    def publish() -> None:
        try:
            current_app.tasks[f"helpdesk.tasks.{task_name}"].delay(*args)
        except (BrokerError, OSError):
            if if_broker_down is None:
                logger.warning("Broker unavailable; %s waits for the requeue", task_name)
            else:
                logger.warning("Broker unavailable; %s runs in this process", task_name)
                if_broker_down()

    transaction.on_commit(publish)
