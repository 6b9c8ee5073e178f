"""The one door to Celery: services hand work to the queue here, after their commit.

It imports nothing of the services: a task is found by its name in the Celery app's registry
(the names `helpdesk.tasks.<name>` never change, so work queued before a deploy still runs).
"""

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Hand work to Celery once the rows it reads are committed.

    A broker outage is logged, not raised: the row is already stored and the beat's
    requeue of stuck work sends it when the broker is back.
    """

    def publish() -> None:
        try:
            current_app.tasks[f"helpdesk.tasks.{task_name}"].delay(*args)
        except (BrokerError, OSError):
            logger.warning("Broker unavailable; %s waits for the requeue", task_name)

    transaction.on_commit(publish)
