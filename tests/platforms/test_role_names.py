"""Staff read the role groups in their language: the group list and a user's groups name the
role ("Service client"), while the groups keep their English names as data."""

import html

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from platforms.admin.auth import group_in_words
from platforms.models import ROLE_GROUPS, Role

pytestmark = pytest.mark.django_db


def test_every_role_group_reads_as_its_role():
    from django.utils import translation

    for role, name in ROLE_GROUPS.items():
        group = Group.objects.get(name=name)
        with translation.override("fr"):
            assert group_in_words(group) == str(Role(role).label).capitalize()
    assert group_in_words(Group(name="Auditors")) == "Auditors"


def test_the_group_list_and_a_users_groups_speak_the_staffs_language(client, staff_user):
    client.force_login(staff_user)
    groups = html.unescape(
        client.get(
            reverse("admin:auth_group_changelist"), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )
    user_page = html.unescape(
        client.get(
            reverse("admin:auth_user_change", args=[staff_user.pk]), HTTP_ACCEPT_LANGUAGE="it"
        ).content.decode()
    )

    assert "Service client" in groups
    assert "Équipe du producteur" in groups
    assert "Servizio clienti" in user_page
    assert ">Customer service<" not in user_page
