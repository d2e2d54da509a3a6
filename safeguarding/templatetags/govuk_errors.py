"""Where a GOV.UK error summary's link about a field lands (templates/includes/)."""

from django import template

from safeguarding.forms import GovukDateField

register = template.Library()


@register.filter
def error_anchor(field) -> str:
    """The id of the field's input; for a date in three boxes, the first box at fault, or the
    day when the date is wrong as a whole, as the Design System's Date input asks. Nothing for
    no field (a form of buttons alone)."""
    if not isinstance(getattr(field, "field", None), GovukDateField):
        return getattr(field, "auto_id", "")
    at_fault = [i for i, box in enumerate(field.field.fields) if getattr(box.widget, "errors", [])]
    return f"{field.auto_id}_{at_fault[0] if at_fault else 0}"
