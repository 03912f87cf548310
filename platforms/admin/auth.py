"""Django's users and groups in the admin, with the role groups named in the reader's language.

The role groups (platforms.models.ROLE_GROUPS, created by a migration) keep their English names
as data; where staff meet them — the group list, a user's groups — they read the role's label
("Service client", "Servizio clienti"). Other groups show their own name.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from platforms.models import ROLE_GROUPS, Role

ROLE_OF_GROUP = {name: role for role, name in ROLE_GROUPS.items()}


def group_in_words(group: Group) -> str:
    role = ROLE_OF_GROUP.get(group.name)
    return capfirst(Role(role).label) if role else group.name


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    list_display = ("in_words", "name")

    @admin.display(description=_("role"), ordering="name")
    def in_words(self, group: Group) -> str:
        return group_in_words(group)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = group_in_words  # type: ignore[attr-defined]
        return field
