"""The customer's "my account" on the storefront: profile, customer records (one per trader),
addresses, consents, a JSON export of the personal data, and erasure on request.

Sign-up, e-mail verification, login, logout and password reset are django-allauth's headless
API under /api/auth/ (browser client: session cookie + CSRF; app client: X-Session-Token).
"""

from django.contrib.auth import logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from config.actors import Actor
from orders.apis.orders import (
    AddressOutput,
    StorefrontApi,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from orders.models import Address, Consent, Customer
from orders.permissions import storefront_account_erase_check
from orders.services.accounts import (
    account_address_create,
    account_address_remove,
    account_address_update,
    account_profile_update,
    consent_record,
    consents_in_force,
    customer_register,
)
from orders.services.gdpr import account_erase, customer_data_export


class CustomerRecordOutput(serializers.ModelSerializer):
    trader = serializers.IntegerField(source="trader_id")
    trader_name = serializers.CharField(source="trader.name")
    category = serializers.CharField(source="category.code", allow_null=True, default=None)
    category_name = serializers.CharField(source="category.name", allow_null=True, default=None)

    class Meta:
        model = Customer
        fields = ["id", "trader", "trader_name", "name", "email", "phone", "category"]
        fields += ["category_name"]


class ConsentOutput(serializers.ModelSerializer):
    purpose = serializers.ChoiceField(choices=Consent.Purpose.choices)

    class Meta:
        model = Consent
        fields = ["purpose", "granted", "policy_version", "source", "recorded_at"]


class AccountOutput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    customers = CustomerRecordOutput(many=True)
    consents = ConsentOutput(many=True, help_text="The consent in force per purpose.")


def _account_response(request, code: int = status.HTTP_200_OK) -> Response:
    user = request.user
    customers = Customer.objects.filter(user=user, erased_at__isnull=True).select_related(
        "trader", "category"
    )
    data = {
        "email": user.email,
        "name": user.first_name,
        "customers": customers.order_by("pk"),
        "consents": list(consents_in_force(user=user).values()),
    }
    return Response(AccountOutput(data).data, status=code)


class AccountApi(StorefrontApi):
    @extend_schema_serializer(component_name="AccountProfileInput")
    class InputSerializer(serializers.Serializer):
        name = StrictCharField(max_length=160, required=False)
        phone = StrictCharField(max_length=40, required=False, allow_blank=True)

    @extend_schema(responses=AccountOutput)
    def get(self, request):
        return _account_response(request)

    @extend_schema(request=InputSerializer, responses=AccountOutput)
    def patch(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account_profile_update(user=request.user, **serializer.validated_data)
        return _account_response(request)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Erase the account (GDPR right to erasure): every customer record's personal data
        are replaced by a pseudonym, orders are kept, and the account can no longer log in."""
        storefront_account_erase_check(user=request.user)
        account_erase(user=request.user, actor=Actor(label="account holder"))
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountCustomersApi(StorefrontApi):
    @extend_schema_serializer(component_name="CustomerRegisterInput")
    class InputSerializer(serializers.Serializer):
        trader = StrictIntegerField(min_value=1)
        name = StrictCharField(max_length=160)
        phone = StrictCharField(max_length=40, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: CustomerRecordOutput})
    def post(self, request):
        """Become a customer of a trader (once per trader)."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = customer_register(
            user=request.user,
            trader_id=data["trader"],
            name=data["name"],
            phone=data.get("phone", ""),
            actor=Actor.for_user(request.user),
        )
        return Response(CustomerRecordOutput(customer).data, status=status.HTTP_201_CREATED)


class AddressInput(serializers.Serializer):
    name = StrictCharField(max_length=160)
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True)
    city = StrictCharField(max_length=100)
    postcode = StrictCharField(max_length=20)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    phone = StrictCharField(max_length=40, required=False, allow_blank=True)


@extend_schema_serializer(component_name="AddressCreateInput")
class AddressCreateInput(AddressInput):
    customer = StrictIntegerField(
        min_value=1, help_text="Which of your customer records (one per trader) it belongs to."
    )


class AddressListOutput(AddressOutput):
    customer = serializers.IntegerField(source="customer_id")

    class Meta(AddressOutput.Meta):
        fields = [*AddressOutput.Meta.fields, "customer"]


class AccountAddressesApi(StorefrontApi):
    @extend_schema(responses=AddressListOutput(many=True))
    def get(self, request):
        addresses = Address.objects.filter(
            customer__user=request.user, customer__erased_at__isnull=True
        ).order_by("pk")
        return Response(AddressListOutput(addresses, many=True).data)

    @extend_schema(request=AddressCreateInput, responses={201: AddressListOutput})
    def post(self, request):
        serializer = AddressCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        address = account_address_create(
            user=request.user, customer_id=data.pop("customer"), **data
        )
        return Response(AddressListOutput(address).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="AddressUpdateInput")
class AddressUpdateInput(AddressInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class AccountAddressApi(StorefrontApi):
    @extend_schema(request=AddressUpdateInput, responses=AddressListOutput)
    def patch(self, request, address_id: int):
        serializer = AddressUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = account_address_update(
            user=request.user, address_id=address_id, **serializer.validated_data
        )
        return Response(AddressListOutput(address).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, address_id: int):
        account_address_remove(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountConsentsApi(StorefrontApi):
    @extend_schema_serializer(component_name="ConsentInput")
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=Consent.Purpose.choices)
        granted = StrictBooleanField()
        policy_version = StrictCharField(max_length=40, required=False, allow_blank=True)

    @extend_schema(responses=ConsentOutput(many=True))
    def get(self, request):
        """Every consent given or withdrawn, oldest first."""
        return Response(ConsentOutput(Consent.objects.filter(user=request.user), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ConsentOutput})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_record(user=request.user, **serializer.validated_data)
        return Response(ConsentOutput(consent).data, status=status.HTTP_201_CREATED)


class AccountExportApi(StorefrontApi):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """Everything Larder holds about you, as JSON (GDPR access and portability)."""
        ids = list(Customer.objects.filter(user=request.user).values_list("pk", flat=True))
        response = Response(customer_data_export(customer_ids=ids, user=request.user))
        response["Content-Disposition"] = 'attachment; filename="larder-personal-data.json"'
        return response
