import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def check_kept_database_connections(**kwargs) -> None:
    # Web processes skip the per-request health check by default (CONN_HEALTH_CHECKS); a
    # worker checks before each task's first query, so the first task after a database
    # restart does not fail on a dead connection (it could not even record its failure).
    from django.conf import settings

    settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


@app.on_after_configure.connect
def create_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    # The embedded (filesystem) broker needs its folders to exist before anyone publishes.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if sender.conf.broker_url == "filesystem://" and options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
