"""Granting back-office roles."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext

from platforms.exceptions import RoleNotForThisEnterprise
from platforms.models import ROLE_GROUPS, Membership, Role


@transaction.atomic
def membership_grant(*, user, enterprise, role: str) -> Membership:
    """Make `user` a member of `enterprise` in `role`: one membership per (user, enterprise)
    (a unique constraint; granting again changes the role); the user's role groups follow
    their memberships, and they get staff status to sign in to the admin. Trader staff and
    customer service work for a trader, producer staff for a producer."""
    if (role == Role.PRODUCER_STAFF) == enterprise.is_trader:
        raise RoleNotForThisEnterprise(
            (
                gettext("%(role)s works for a producer.")
                if role == Role.PRODUCER_STAFF
                else gettext("%(role)s works for a trader.")
            )
            % {"role": capfirst(Role(role).label)}
        )
    membership, _ = Membership.objects.update_or_create(
        user=user, enterprise=enterprise, defaults={"role": role}
    )
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    user.groups.add(*Group.objects.filter(name__in={ROLE_GROUPS[Role(r)] for r in roles}))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
