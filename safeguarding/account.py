"""A person's own account: the second factor, recovery codes and API tokens."""

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import two_factor
from .api_tokens import live_api_tokens


def _username_max_length() -> int:
    User = get_user_model()
    return User._meta.get_field(User.USERNAME_FIELD).max_length


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a username longer than any account's before it is tried.

    Django's form sets the field's max_length after the field is made, which only sizes the
    input: nothing checked the length. A failed attempt's username is then recorded by
    django-axes in a 255-character column, so a longer one failed to save (a 500, not a no).
    """

    username = UsernameField(
        max_length=_username_max_length(), widget=forms.TextInput(attrs={"autofocus": True})
    )


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin site's sign-in form, with the same limit on the username."""


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class TwoFactorView(LoginRequiredMixin, View):
    """Set up an authenticator on first sign-in; afterwards, enter a code to finish signing in."""

    def get(self, request):
        return self._render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["code"]
            if two_factor.confirmed_totp_device(request.user) is None:
                device = two_factor.totp_device_start(user=request.user)
                codes = two_factor.totp_device_confirm(request=request, device=device, code=code)
                if codes is not None:
                    return render(request, "account/recovery_codes.html", {"codes": codes})
            elif two_factor.second_factor_verify(request=request, code=code):
                return redirect(self._next(request))
            form.add_error("code", "That code is not right. Check your app and try again.")
        return self._render(request, form, status=200)

    def _render(self, request, form, status=200):
        context = {"form": form, "next": request.GET.get("next", "")}
        if two_factor.confirmed_totp_device(request.user) is None:
            device = two_factor.totp_device_start(user=request.user)
            context.update(
                setting_up=True,
                qr_code=two_factor.totp_qr_svg_data_uri(device),
                secret=device.config_url.split("secret=")[1].split("&")[0],
            )
        return render(request, "account/two_factor.html", context, status=status)

    @staticmethod
    def _next(request):
        target = request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
            return target
        return "home"


class AccountView(LoginRequiredMixin, TemplateView):
    template_name = "account/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = live_api_tokens(self.request.user)
        context["has_authenticator"] = (
            two_factor.confirmed_totp_device(self.request.user) is not None
        )
        return context


class RecoveryCodesView(LoginRequiredMixin, View):
    def post(self, request):
        codes = two_factor.recovery_codes_replace(user=request.user)
        return render(request, "account/recovery_codes.html", {"codes": codes})


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, token_key):
        token = get_object_or_404(AuthToken, user=request.user, token_key=token_key)
        token.delete()
        messages.success(request, "The API token was revoked.")
        return redirect("account")


class TokenRequestSerializer(serializers.Serializer):
    # No longer than an account's username: django-axes records a failed attempt's username in
    # a 255-character column, so an unbounded one would fail to save rather than be refused.
    username = serializers.CharField(max_length=_username_max_length())
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=CodeForm.base_fields["code"].max_length,
        help_text="The code from your authenticator app, or a recovery code.",
    )


class TokenObtainView(APIView):
    """Exchange a username, password and two-factor code for an expiring API token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer(
            "Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
        ),
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to sign in with the username and password given."]}
            )
        if not two_factor.second_factor_check(user=user, code=data.validated_data.get("otp")):
            raise serializers.ValidationError(
                {"otp": ["Enter the code from your authenticator app, or a recovery code."]}
            )
        instance, token = AuthToken.objects.create(user=user)
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_200_OK)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry"]


class ApiTokenListView(APIView):
    """Your API tokens (the first characters of each), with when they expire."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        tokens = live_api_tokens(request.user)
        return Response(ApiTokenSerializer(tokens, many=True).data)


class ApiTokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_key):
        get_object_or_404(AuthToken, user=request.user, token_key=token_key).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
