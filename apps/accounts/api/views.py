from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import login_limits, services
from apps.accounts.api.serializers import (
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from apps.core import context
from apps.core.api.serializers import ErrorSerializer
from apps.core.errors import DomainError


class InvalidCredentials(DomainError):
    status_code = 400
    code = "invalid_credentials"
    default_message = "Unable to log in with these credentials."


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant_id = context.current()["app.tenant_id"]
        user = services.user_register(**serializer.validated_data, tenant_id=int(tenant_id))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """POST exchanges e-mail and password for a token; DELETE revokes the caller's token."""

    throttle_scope = "auth"

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        # 503: the failed-login limiter cannot reach Redis (it fails closed).
        responses={200: TokenSerializer, 503: ErrorSerializer},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        with login_limits.attempt(request, email) as login:
            user = authenticate(
                request, username=email, password=serializer.validated_data["password"]
            )
            if user is None or not user.is_active:
                raise InvalidCredentials()
            login.succeeded()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=UserSerializer, responses={200: UserSerializer})
    def patch(self, request):
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(
            user=request.user, data=dict(serializer.validated_data), actor=request.user
        )
        return Response(UserSerializer(user).data)
