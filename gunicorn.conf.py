"""gunicorn settings for the web nodes: ``gunicorn -c gunicorn.conf.py`` (see docs/deployment.md).

Every value can be changed through the environment (GUNICORN_* below) without editing this file.
"""

import multiprocessing
import os

wsgi_app = "lms.wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Load the app once in the master: a refused start (bad key, database down, migrations behind) stops here
# with one line, instead of every worker failing in turn.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a worker silent this long is restarted
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))  # SIGTERM: finish requests
keepalive = 5
# Recycle workers now and then (a guard against slow leaks). Not often: a new worker starts with none of the
# trainee pages its predecessor kept (LMS_PAGE_CACHE_SECONDS), nor its warm connections, and the clients of
# the one leaving wait while it goes (at 600 requests a second a worker recycles about every quarter hour).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "500000"))
max_requests_jitter = 50000
# Access log on stdout, with the request id the application sends back.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
# Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (set to the proxy's address).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
