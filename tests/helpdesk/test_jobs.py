"""The door to Celery finds tasks by name: in any process, web or command, not only the worker."""

import json
import os
import subprocess
import sys

from helpdesk import tasks

TASK_NAMES = {
    f"helpdesk.tasks.{name}"
    for name in ("process_inbound_email", "send_outbound_emails", "sla_sweep", "requeue_stuck_work")
}


def test_every_task_is_registered_by_name_in_a_fresh_process():
    # A command such as ingest_email runs in a process of its own, which imports no task
    # module itself: the registry must hold the tasks all the same.
    script = (
        "import json, django; django.setup(); from celery import current_app; "
        "print(json.dumps(sorted(n for n in current_app.tasks if n.startswith('helpdesk.'))))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(json.loads(result.stdout.strip().splitlines()[-1])) >= TASK_NAMES


def test_the_names_are_the_task_modules_own():
    assert {getattr(tasks, name.rpartition(".")[2]).name for name in TASK_NAMES} == TASK_NAMES
