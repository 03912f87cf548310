"""What an operator sees of a running Larder: JSON logs with a request id, Sentry, /healthz and
/readyz, Prometheus metrics (docs/deployment.md)."""
