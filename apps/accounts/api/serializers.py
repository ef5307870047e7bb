import json

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.accounts.models import Profile, User, UserRole


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["bio"]
        extra_kwargs = {"bio": {"max_length": 2000, "allow_null": True, "required": False}}


class UserSerializer(serializers.ModelSerializer):
    """The caller's own account. Server-owned fields are read-only."""

    profile = ProfileSerializer(required=False, allow_null=True)
    preferences = serializers.JSONField(required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "role",
            "phone",
            "date_of_birth",
            "profile_image",
            "is_verified",
            "street",
            "city",
            "postal_code",
            "country",
            "preferences",
            "tenant",
            "profile",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "email",
            "role",
            "is_verified",
            "tenant",
            "created_at",
            "updated_at",
        ]

    def validate_preferences(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Preferences are a JSON object.")
        if len(json.dumps(value)) > 10_000:
            raise serializers.ValidationError("Preferences are limited to 10 kB.")
        return value


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=UserRole.choices, default=UserRole.GUEST)

    def validate(self, attrs):
        candidate = User(email=attrs["email"], name=attrs["name"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
