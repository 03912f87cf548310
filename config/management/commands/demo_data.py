from django.core.management.base import BaseCommand

from config.demo import DEMO_CUSTOMER_PASSWORD, DEMO_USERS, demo_data_load
from config.env import env_str


class Command(BaseCommand):
    help = "Load the demo trader, producers, session and orders (once; a re-run changes nothing)."

    def handle(self, *args, **options):
        password = env_str("DEMO_ADMIN_PASSWORD", "larder-demo")
        result = demo_data_load(admin_password=password)
        if result["created"]:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(
            self.style.WARNING(
                f"Admin: http://127.0.0.1:8000/admin/  user: admin  password: {password}"
            )
        )
        for user, role in DEMO_USERS.items():
            self.stdout.write(
                self.style.WARNING(f"  also user: {user}  password: {password}  ({role})")
            )
        self.stdout.write(
            self.style.WARNING(
                "Storefront customers (POST /api/auth/app/v1/auth/login with e-mail and "
                f"password): ada@example.org, grace@example.org (members), alan@example.org… "
                f"password: {DEMO_CUSTOMER_PASSWORD}"
            )
        )
