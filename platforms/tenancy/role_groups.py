"""The role groups and their permissions, as data. Customer service edits orders but not
pricing rules; producer staff only read their producer orders. Migration platforms/0006 makes
the groups; `membership_grant` puts users in them."""

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
APPROVE = "approve"  # orders.approve_order: approve or deny an order waiting for approval (W)
ALL = (VIEW, ADD, CHANGE, DELETE)

# group name → app label → model → the actions its members may take
GROUP_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "Trader staff": {
        "sessions_app": {"salesession": ALL, "offer": ALL},
        "inventory": {"product": (VIEW,), "stock": (VIEW,), "reservation": (VIEW,)},
        "orders": {
            "order": (VIEW, CHANGE, APPROVE),
            "orderitem": (VIEW,),
            "orderevent": (VIEW,),
            "paymenttransaction": (VIEW,),
            "orderawaitingapproval": (VIEW,),
            "requisitionlist": (VIEW,),
            "approvalrule": ALL,
            "customer": ALL,
            "address": ALL,
            "producerorder": (VIEW,),
            "quickorderprofile": ALL,
        },
        "discounts": {
            "taxcategory": (VIEW,),
            "shippingmode": (VIEW,),
            "shippingscale": ALL,
            "calculationrule": ALL,
            "coupon": ALL,
        },
        "platforms": {"membership": (VIEW,)},
    },
    "Customer service": {
        "sessions_app": {"salesession": (VIEW,), "offer": (VIEW,)},
        "inventory": {"product": (VIEW,), "stock": (VIEW,)},
        "orders": {
            "order": (VIEW, CHANGE),
            "orderitem": (VIEW,),
            "orderevent": (VIEW,),
            "paymenttransaction": (VIEW,),
            "orderawaitingapproval": (VIEW,),
            "requisitionlist": (VIEW,),
            "customer": (VIEW, ADD, CHANGE),
            "address": (VIEW, ADD, CHANGE),
            "producerorder": (VIEW,),
            "quickorderprofile": (VIEW, ADD, CHANGE),
        },
        "discounts": {"calculationrule": (VIEW,), "coupon": (VIEW,)},
    },
    "Producer staff": {"orders": {"producerorder": (VIEW,)}},
}


def role_group_sync(name: str, *, group_model, permission_model):
    """Create the group `name` if missing and give it exactly its permissions."""
    group, _ = group_model.objects.get_or_create(name=name)
    wanted = [
        (app, f"{action}_{model}")
        for app, models in GROUP_PERMISSIONS[name].items()
        for model, actions in models.items()
        for action in actions
    ]
    group.permissions.set(
        [
            permission_model.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
    )
    return group


def permissions_ensure(app_registry=None) -> None:
    """Create any missing model permissions now (Django normally does it after migrate; a
    data migration that gives them to groups needs them before)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in (app_registry or global_apps).get_app_configs():
        had_models = app_config.models_module
        app_config.models_module = app_config.models_module or True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = had_models


def role_groups_migrate(apps, schema_editor) -> None:
    """For a migration's RunPython: every role group with exactly its permissions as now
    listed in GROUP_PERMISSIONS (new models' permissions created first)."""
    permissions_ensure()
    for name in GROUP_PERMISSIONS:
        role_group_sync(
            name,
            group_model=apps.get_model("auth", "Group"),
            permission_model=apps.get_model("auth", "Permission"),
        )
