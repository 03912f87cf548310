"""What Django's error reports (the DEBUG 500 page, error e-mails) may show.

Django already hides settings and request headers whose names hold KEY, SECRET, TOKEN, PASS...
Larder's connection URLs carry passwords too (DATABASE_URL, CELERY_BROKER_URL and the
`DATABASES` built from it, LARDER_CACHE_URL and the `CACHES` built from it), and the
development server copies the environment into every request's META: these are hidden as well.
"""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsHiddenReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern
        + "|DATABASE|BROKER|DSN|BACKEND_URL|CACHE",
        flags=re.IGNORECASE,
    )
