"""Granting back-office roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from platforms.exceptions import RoleNotForThisEnterprise
from platforms.models import ROLE_GROUPS, Membership, Role
from platforms.tenancy.role_groups import permissions_ensure, role_group_sync


@transaction.atomic
def membership_grant(*, user, enterprise, role: str) -> Membership:
    """Make `user` a member of `enterprise` in `role`: one membership per (user, enterprise)
    (a unique constraint; granting again changes the role); the user's role groups follow
    their memberships, and they get staff status to sign in to the admin. Trader staff and
    customer service work for a trader, producer staff for a producer."""
    if (role == Role.PRODUCER_STAFF) == enterprise.is_trader:
        kind = "producer" if role == Role.PRODUCER_STAFF else "trader"
        raise RoleNotForThisEnterprise(f"{ROLE_GROUPS[role]} works for a {kind}.")
    membership, _ = Membership.objects.update_or_create(
        user=user, enterprise=enterprise, defaults={"role": role}
    )
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    for name in {ROLE_GROUPS[r] for r in roles}:
        group = Group.objects.filter(name=name).first()
        if group is None:  # removed since the migration made it (e.g. a flushed test database)
            permissions_ensure()
            group = role_group_sync(name, group_model=Group, permission_model=Permission)
        user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
