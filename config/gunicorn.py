"""gunicorn's configuration (bin/web): everything from the environment (docs/deployment.md).

Threads serve the requests of a worker, so one slow partner-facing request does not hold a
whole process; each thread keeps its own persistent database connection (CONN_MAX_AGE).
"""

import gc
import multiprocessing
import os

from config.observability.logging import logging_config

bind = os.environ.get("WEB_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The app is loaded once in the master: workers fork with it (less memory, faster restarts).
preload_app = True
# Request lines come from Django (one JSON line each, with the request id); gunicorn's access
# log would say the same again.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn's own lines (started, worker booted, worker timeout) in the same format as the app's.
logconfig_dict = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"), log_format=os.environ.get("LOG_FORMAT", "json")
)
logconfig_dict["loggers"]["gunicorn.error"] = {"handlers": ["console"], "propagate": False}
# gunicorn's control socket (gunicornc) is not used; it would want a writable home folder.
control_socket_disable = True
# A load balancer in front terminates TLS and says so in X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Bodies above LARDER_API_MAX_BODY_BYTES are refused by the app; headers are bounded here.
limit_request_field_size = 8190


def post_fork(server, worker):
    # Connections opened while the app loaded in the master must not be shared by workers.
    from django.db import connections

    connections.close_all()
    # What the app loaded before the fork lives as long as the worker: out of the collector's
    # full passes, which otherwise walk all of it whenever a request allocates much (~100 ms
    # of a 1,000-line partner order's ~500 ms, docs/performance.md "Partner writes").
    gc.freeze()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
