import pytest

from tests.support.production import collectstatic, production_env


@pytest.fixture(scope="session")
def production_static(tmp_path_factory):
    """collectstatic once per run (compressing every file takes a while): the folder that
    production processes of the integration tests serve their static files from."""
    static_root = tmp_path_factory.mktemp("static")
    collectstatic(
        production_env(
            database_url="postgres://unused@127.0.0.1/unused",
            broker_url="redis://127.0.0.1:6379/0",
            static_root=static_root,
        )
    )
    return static_root
