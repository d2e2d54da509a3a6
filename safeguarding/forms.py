from django import forms
from django.core.exceptions import ValidationError


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes-or-no filter: left alone it matches either, so it says "Any", not "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "Any"), ("true", "Yes"), ("false", "No"))


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field messages beside their fields. A form
    whose fields differ from the service's names maps them in `service_error_fields`."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    fields = getattr(form, "service_error_fields", {})
    for name, messages in error.message_dict.items():
        field = fields.get(name, name)
        form.add_error(field if field in form.fields else None, messages)
