"""gunicorn settings for codesearch (see README, Performance).

Sync workers: search is CPU-bound and the GIL serialises threads, so one process per
core serves best. The app (code) is preloaded once; each worker opens the index
lazily on its first request, after the fork (Whoosh memory-maps its segments).
"""
import os
import shutil
import tempfile

# Prometheus metrics (service/metrics.py): each worker writes its counters to files in one folder, which
# /metrics sums. prometheus_client reads the variable when imported, so it is set here, before the app.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="codesearch-metrics-")

from service.config import from_environment  # noqa: E402  (after the metrics folder is set)

settings = from_environment()  # every setting comes from service/config.py
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = int(settings["WORKERS"])
worker_class = "service.worker.JsonErrorWorker"  # sync, with gunicorn's own errors as JSON
preload_app = True
timeout = 30
graceful_timeout = 10
keepalive = 5
max_requests = 0
accesslog = None  # the app logs one line per request, without the query string
loglevel = settings["LOG_LEVEL"]
limit_request_line = 8190  # gunicorn's largest bound (0 is unbounded): URLs up to 8,177 bytes reach the app
# gunicorn's control socket defaults to one path per user, so two servers on a host would collide;
# we manage workers with signals (HUP, TTIN/TTOU), not gunicornc.
control_socket_disable = True


def post_fork(server, worker):
    """Route the app's log lines through gunicorn's error log in each worker."""
    import logging

    logger = logging.getLogger("codesearch")
    logger.handlers = server.log.error_log.handlers
    logger.setLevel(server.log.error_log.level)


def on_starting(server):
    """Forget metric files an earlier server left in a reused PROMETHEUS_MULTIPROC_DIR."""
    from service.metrics import clear_stale_files
    clear_stale_files()


def child_exit(server, worker):
    """Tell prometheus_client a worker is gone."""
    from service.metrics import mark_process_dead
    mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this config made."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if os.path.basename(folder).startswith("codesearch-metrics-"):
        shutil.rmtree(folder, ignore_errors=True)
