"""Account forms: sign-up for council staff, allauth's other forms in GOV.UK dress, and a member's own details."""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.core import context, ratelimit
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms

from councils.adapters import validate_council_email
from councils.models import ServiceSilo
from portal.forms import GovukFormMixin

PASSWORD_HINT = "Use at least 8 characters. Avoid common passwords and passwords made only of numbers."  # noqa: S105 - a hint, not a password
SIGNUP_EMAIL_LIMITED = (
    "There have been several sign-ups with this email address in the last hour. Check its inbox for our "
    "email, or try again later."
)
EMAIL_HINT = "Use your council address, for example name@bristol.gov.uk. We will email you a link to confirm it."


def _relabel(field, *, label=None, hint=None, required=None):
    if label is not None:
        field.label = label
    if hint is not None:
        field.help_text = hint
    if required is not None:
        field.error_messages["required"] = required


def _full_name_field() -> forms.CharField:
    return forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": "Enter your full name", "max_length": "Full name must be 150 characters or fewer"},
    )


def _job_title_field() -> forms.CharField:
    return forms.CharField(
        label="Job title (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
        error_messages={"max_length": "Job title must be 200 characters or fewer"},
    )


def _silo_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=ServiceSilo.objects.order_by("name"),
        required=False,
        empty_label="Choose a service area",
        label="Service area you work in (optional)",
        help_text="So we can show you what other service areas have done that could help yours.",
    )


class _TargetEmailLimitMixin:
    """A few emails an hour to any one address from sign-up and "add an address", whoever asks.

    Each accepted form sends the address an email (a confirmation, or "you already
    have an account"): ACCOUNT_RATE_LIMITS["signup_email"] caps them per address,
    counted in the shared cache. Only complete forms count, so fixing a typo costs nothing.
    """

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if (
            email
            and not self.errors
            and not ratelimit.consume(context.request, action="signup_email", key=email.strip().lower())
        ):
            self.add_error("email", forms.ValidationError(SIGNUP_EMAIL_LIMITED, code="rate_limited"))
        return cleaned


class CouncilSignupForm(GovukFormMixin, _TargetEmailLimitMixin, account_forms.SignupForm):
    """allauth's sign-up, plus who the person is; only council email domains are accepted."""

    field_order = ["full_name", "email", "password1", "job_title", "silo"]

    full_name = _full_name_field()
    job_title = _job_title_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["silo"] = _silo_field()
        email = self.fields["email"]
        _relabel(email, label="Work email address", hint=EMAIL_HINT, required="Enter your work email address")
        email.error_messages["invalid"] = "Enter an email address in the correct format, like name@bristol.gov.uk"
        email.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        _relabel(self.fields["password1"], label="Create a password", hint=PASSWORD_HINT, required="Create a password")
        self.order_fields(self.field_order)
        self._govuk_dress()

    def clean_email(self):
        validate_council_email(self.cleaned_data["email"])
        return super().clean_email()

    def custom_signup(self, request, user):
        from councils.services import member_profile_create

        member_profile_create(
            user=user,
            full_name=self.cleaned_data["full_name"],
            job_title=self.cleaned_data.get("job_title", ""),
            silo=self.cleaned_data.get("silo"),
        )


class CouncilLoginForm(GovukFormMixin, account_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self.fields["login"], label="Work email address", required="Enter your work email address")
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        _relabel(self.fields["password"], label="Password", hint="", required="Enter your password")
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"
        self._govuk_dress()


class CouncilResetPasswordForm(GovukFormMixin, account_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self.fields["email"],
            label="Work email address",
            hint="We will email you a link to choose a new password.",
            required="Enter your work email address",
        )
        self._govuk_dress()


class _NewPasswordMixin:
    def _relabel_new_password(self):
        _relabel(self.fields["password1"], label="New password", hint=PASSWORD_HINT, required="Enter a new password")
        _relabel(self.fields["password2"], label="Confirm new password", required="Confirm your new password")


class CouncilResetPasswordKeyForm(GovukFormMixin, _NewPasswordMixin, account_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._relabel_new_password()
        self._govuk_dress()


class CouncilChangePasswordForm(GovukFormMixin, _NewPasswordMixin, account_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self.fields["oldpassword"], label="Current password", hint="", required="Enter your current password")
        self._relabel_new_password()
        self._govuk_dress()


class CouncilReauthenticateForm(GovukFormMixin, account_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(self.fields["password"], label="Password", hint="", required="Enter your password")
        self._govuk_dress()


class CouncilAddEmailForm(GovukFormMixin, _TargetEmailLimitMixin, account_forms.AddEmailForm):
    """A new address must also be on a council's domain: it decides which council the member belongs to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(
            self.fields["email"],
            label="New work email address",
            hint="We will email a link to confirm it. Confirming an address at another council moves you there.",
            required="Enter your new work email address",
        )
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self._govuk_dress()

    def clean_email(self):
        validate_council_email(self.cleaned_data["email"])
        return super().clean_email()


_CODE_HINT = "The 6-digit code shown in your authenticator app, or one of your recovery codes."


class _CodeMixin:
    govuk_widths = {"code": "govuk-input--width-10"}

    def _relabel_code(self, hint=_CODE_HINT):
        code = self.fields["code"]
        _relabel(code, label="Code", hint=hint, required="Enter the code")
        code.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})


class CouncilMfaAuthenticateForm(GovukFormMixin, _CodeMixin, mfa_base_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._relabel_code()
        self._govuk_dress()


class CouncilMfaReauthenticateForm(GovukFormMixin, _CodeMixin, mfa_base_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._relabel_code()
        self._govuk_dress()


class CouncilActivateTotpForm(GovukFormMixin, _CodeMixin, mfa_totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._relabel_code(hint="The 6-digit code your authenticator app shows after you add the portal to it.")
        self._govuk_dress()


class ProfileForm(GovukFormMixin, forms.Form):
    """What a member says about themselves, and whether they write up their council's work."""

    full_name = _full_name_field()
    job_title = _job_title_field()
    contactable = forms.BooleanField(
        label="Other councils may send me questions about my council's work",
        required=False,
        help_text="Messages come through the portal by email.",
    )
    writes = forms.TypedChoiceField(
        label="What do you do here?",
        coerce=lambda value: value == "officer",
        choices=[
            ("member", "I read and learn from what other councils have done"),
            ("officer", "I also write up my council's work and record what it reused"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you do here"},
    )

    def __init__(self, *args, may_write: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["silo"] = _silo_field()
        if not may_write:
            del self.fields["writes"]
        self.order_fields(["full_name", "job_title", "silo", "contactable", "writes"])
        self._govuk_dress()
