"""Every error a service raises on purpose is an ApplicationError with a stable code, defined once
in its app's exceptions module."""

import importlib
import inspect
import pkgutil
import sys

from config.exceptions import ApplicationError

APPS = ("config", "orders", "inventory", "sessions_app", "discounts", "platforms")


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_each_error_code_is_defined_once_in_an_exceptions_module():
    for app in APPS:
        importlib.import_module(f"{app}.exceptions")
    # Import every module that raises them, so a class defined elsewhere would be seen.
    from django.apps import apps
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for config in apps.get_app_configs():
        importlib.import_module(config.name)

    errors = [
        cls for cls in _all_subclasses(ApplicationError) if cls.__module__.split(".")[0] in APPS
    ]
    by_code: dict[str, list[str]] = {}
    for cls in errors:
        if "code" in vars(cls):
            by_code.setdefault(cls.code, []).append(cls.__qualname__)
        assert cls.__module__.endswith("exceptions"), (
            f"{cls.__qualname__} is defined in {inspect.getsourcefile(cls)}, "
            "not in its app's exceptions module"
        )
    assert {code: names for code, names in by_code.items() if len(names) > 1} == {}


def test_every_exception_class_of_the_apps_is_in_an_exceptions_module():
    """Not only ApplicationErrors: the plain exceptions too (the outbox's, the HTTP client's,
    /readyz's), so "where is this error defined" has one answer per app."""
    skipped = ("migrations", "settings", "wsgi", "asgi", "gunicorn")
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not any(part in skipped for part in module.name.split(".")):
                importlib.import_module(module.name)
    misplaced = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in APPS
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, BaseException)
        and cls.__module__ == name
        and not name.endswith("exceptions")
    )
    assert misplaced == []
