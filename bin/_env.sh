# Shared by the entrypoints (sourced): the project folder, the settings module (production unless
# told otherwise) and the Python to run (the project's .venv when there is one, else python3).
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
# Processes that fork (gunicorn, Celery prefork) write their metrics here; one scrape adds them.
metrics_dir() {
  if [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    PROMETHEUS_MULTIPROC_DIR="${TMPDIR:-/tmp}/larder-metrics-$1-$$"
  fi
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
  export PROMETHEUS_MULTIPROC_DIR
}
