import copy

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate

from config.actors import Actor
from platforms.tenancy.role_groups import GROUP_PERMISSIONS, permissions_ensure, role_group_sync

# Partner API fixtures (platforms, tokens, clients), for tests/platforms/test_api_*.py.
pytest_plugins = ["tests.platforms.api_support"]


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("staff", "staff@larder.example", "pw")


@pytest.fixture
def staff_actor(staff_user) -> Actor:
    return Actor.for_user(staff_user)


def _role_groups_after_a_flush(sender, **kwargs) -> None:
    """A transactional test (live servers, threads) ends by flushing the database, which
    takes away the role groups migration platforms/0006 made; Django then sends post_migrate
    as after a migrate, and this makes them again, so the next test grants roles as on a
    migrated database. A test concern, so it lives here and not in membership_grant."""
    if sender.label != "platforms":
        return
    permissions_ensure()
    for name in GROUP_PERMISSIONS:
        role_group_sync(name, group_model=Group, permission_model=Permission)


post_migrate.connect(_role_groups_after_a_flush, dispatch_uid="tests-role-groups-after-flush")


@pytest.fixture(autouse=True)
def language_reset():
    """Each test starts in the default language: a request in French or Italian leaves its
    language active in the thread (LocaleMiddleware does not deactivate it), which would
    otherwise leak into the next test, whichever order pytest-django runs them in."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def jsonld_one_pass_checked(monkeypatch):
    """Every document a test reads through the one-pass JSON-LD reader is read by pyld too and
    must give the same graph (platforms.dfc.jsonld): the DFC connector's output, OFN's
    exchanges and every partner API test check the reader, not only its own tests."""
    from platforms.dfc import jsonld
    from platforms.exceptions import DfcParseError

    one_pass = jsonld._read_one_pass

    def checked(document):
        graph = one_pass(document)
        if graph is not None:
            try:
                expected = jsonld._read_pyld(copy.deepcopy(document))
            except DfcParseError as error:
                pytest.fail(f"read in one pass, refused by pyld ({error}): {document!r:.300}")
            assert (graph.nodes, graph.redefined, graph.repeated) == (
                expected.nodes,
                expected.redefined,
                expected.repeated,
            ), f"the one pass and pyld read differently: {document!r:.300}"
        return graph

    monkeypatch.setattr(jsonld, "_read_one_pass", checked)
