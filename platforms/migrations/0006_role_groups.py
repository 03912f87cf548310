"""The back-office role groups and their permissions (platforms/tenancy/role_groups.py)."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from platforms.tenancy.role_groups import GROUP_PERMISSIONS, permissions_ensure, role_group_sync

    permissions_ensure()
    for name in GROUP_PERMISSIONS:
        role_group_sync(
            name,
            group_model=apps.get_model("auth", "Group"),
            permission_model=apps.get_model("auth", "Permission"),
        )


def remove_groups(apps, schema_editor):
    from platforms.tenancy.role_groups import GROUP_PERMISSIONS

    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0005_membership"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0005_back_office_edit_and_quick_order"),
        ("discounts", "0004_manual_adjustment"),
        ("sessions_app", "0002_offer_quantity_reserved"),
        ("inventory", "0002_stock_reservation"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
