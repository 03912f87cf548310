"""Bearer-token authentication for partner platforms (platforms.partner_api.credentials)."""

from django.utils.translation import gettext
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from platforms.partner_api.credentials import api_credential_authenticate


class PartnerPrincipal:
    """`request.user` for a partner call: the platform behind the credential, never a user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, credential) -> None:
        self.credential = credential
        self.platform = credential.platform

    def get_username(self) -> str:
        return f"platform:{self.platform.slug}"

    def __str__(self) -> str:
        return self.get_username()


class PartnerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer lrd_…`. A missing header leaves the request anonymous (401 from
    the permission check); a wrong or revoked token is refused at once (401)."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                gettext("The Authorization header must be 'Bearer <token>'.")
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(gettext("The token is not valid.")) from error
        credential = api_credential_authenticate(token)
        if credential is None:
            raise AuthenticationFailed(gettext("The token is not valid or has been revoked."))
        return PartnerPrincipal(credential), credential

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="larder"'
