import pytest

from config.actors import Actor

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
