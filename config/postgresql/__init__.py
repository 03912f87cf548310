"""Larder's PostgreSQL database backend (ENGINE "config.postgresql"): Django's, with a kept
connection's health check made only when the connection has been idle (base.py)."""
