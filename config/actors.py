"""Who performs an action: a signed-in user, a partner platform, or the system itself.

Services take an `Actor` so every event row records who acted, whichever door (admin, API,
task, command) the action came through.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    label: str
    user: Any = None
    platform: Any = None

    @classmethod
    def system(cls, what: str = "system") -> "Actor":
        return cls(label=what)

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls(label=user.get_username(), user=user)

    @classmethod
    def for_platform(cls, platform) -> "Actor":
        return cls(label=f"platform:{platform.slug}", platform=platform)


SYSTEM = Actor.system()
