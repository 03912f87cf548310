"""manage.py issue_api_token PLATFORM_SLUG --name NAME --scope orders:read --scope orders:write

Prints the new token once: Larder keeps only its hash.
"""

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ApplicationError
from platforms.models import ApiScope, Enterprise, Platform
from platforms.partner_api.credentials import api_credential_issue


class Command(BaseCommand):
    help = "Issue an API token for a partner platform and print it (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("platform", help="The partner platform's slug.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ApiScope.values,
            help="Repeat for several scopes (default: orders:read, orders:write, catalog:read).",
        )
        parser.add_argument(
            "--enterprise",
            action="append",
            dest="enterprises",
            default=[],
            help="Limit the token to these local enterprises (slugs); default: all.",
        )
        parser.add_argument(
            "--require-if-match",
            action="store_true",
            help="Refuse this token's PUTs without If-Match (default: checked only when sent).",
        )

    def handle(self, *args, **options):
        try:
            platform = Platform.objects.get(slug=options["platform"])
        except Platform.DoesNotExist as error:
            raise CommandError(f"No platform {options['platform']!r}.") from error
        if platform.is_local:
            raise CommandError("Tokens are for partner platforms, not this Larder itself.")
        enterprises = list(
            Enterprise.objects.filter(slug__in=options["enterprises"], platform__is_local=True)
        )
        missing = set(options["enterprises"]) - {e.slug for e in enterprises}
        if missing:
            raise CommandError(f"No local enterprise {', '.join(sorted(missing))}.")
        scopes = options["scopes"] or [
            ApiScope.ORDERS_READ,
            ApiScope.ORDERS_WRITE,
            ApiScope.CATALOG_READ,
        ]
        try:
            issued = api_credential_issue(
                platform=platform,
                name=options["name"],
                scopes=scopes,
                enterprises=enterprises,
                requires_if_match=options["require_if_match"],
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Issued {issued.credential} with scopes {', '.join(issued.credential.scopes)}. "
            "The token below is shown once; Larder keeps only its hash."
        )
        self.stdout.write(issued.token)
