"""Every error a service raises on purpose is an ApplicationError with a stable code, defined once
in its app's exceptions module."""

import importlib
import inspect

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
