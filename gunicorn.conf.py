"""gunicorn settings for codesearch (see README, Performance).

Sync workers: search is CPU-bound and the GIL serialises threads, so one process per
core serves best. The app (code) is preloaded once; each worker opens the index
lazily on its first request, after the fork (Whoosh memory-maps its segments).
"""
from service.config import from_environment

settings = from_environment()  # every setting comes from service/config.py
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = int(settings["WORKERS"])
worker_class = "sync"
preload_app = True
timeout = 30
graceful_timeout = 10
keepalive = 5
max_requests = 0
accesslog = None  # the app logs one line per request, without the query string
loglevel = settings["LOG_LEVEL"]
limit_request_line = 8190
# gunicorn's control socket defaults to one path per user, so two servers on a host would collide;
# we manage workers with signals (HUP, TTIN/TTOU), not gunicornc.
control_socket_disable = True


def post_fork(server, worker):
    """Route the app's log lines through gunicorn's error log in each worker."""
    import logging

    logger = logging.getLogger("codesearch")
    logger.handlers = server.log.error_log.handlers
    logger.setLevel(server.log.error_log.level)
