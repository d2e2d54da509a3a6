"""GOV.UK checkboxes and number inputs drawn in Python, in groups that fold when large.

crispy-forms-gds draws every checkbox through the template engine: a large partnership's 839
member agencies took 90 ms of a 92 ms page, and a number input for each of them as long again.
Here each group's inputs are drawn as one string; templates/includes/field_group.html shows
the group, folded away in a GOV.UK details element when it has more than FOLD_OVER inputs.

Each input is drawn with `str.format` over values escaped with the standard library's
`html.escape`, which Django's `escape` calls too: `format_html` adds a lazy-text check and a
safe string for each of an input's ten values, 15 ms of a large partnership's training form's
50 ms.
"""

from dataclasses import dataclass
from html import escape
from itertools import count

from django import template
from django.utils.safestring import SafeString, mark_safe

from safeguarding.govuk import escaped

register = template.Library()

# A group with more inputs than this folds away; it opens when one of its inputs is filled in.
FOLD_OVER = 12

CHECKBOX = (
    '<div class="govuk-checkboxes__item">'
    '<input class="govuk-checkboxes__input" type="checkbox" id="{}" name="{}" value="{}"{}>'
    '<label class="govuk-label govuk-checkboxes__label" for="{}">{}</label></div>'
)
CHECKED = " checked"
NUMBER = (
    '<div class="govuk-form-group{}"><label class="govuk-label" for="{}">{}</label>{}'
    '<input class="govuk-input govuk-input--width-4{}" id="{}" name="{}" type="text" '
    'inputmode="{}" value="{}"{}></div>'
)
ERROR = (
    '<p class="govuk-error-message" id="{}-error">'
    '<span class="govuk-visually-hidden">Error:</span> {}</p>'
)


@dataclass
class FieldGroup:
    label: str
    inputs: SafeString
    size: int
    filled_in: str  # how many are ticked or given, in words; empty when none is
    folds: bool


@register.simple_tag
def checkbox_groups(field) -> list[FieldGroup]:
    """A choice field's checkboxes, in its choices' groups (one unnamed group if it has none)."""
    ticked = set(field.field.widget.format_value(field.value()))
    choices = list(field.field.choices)
    grouped = any(isinstance(options, (list, tuple)) for _, options in choices)
    field_id, name = escape(field.auto_id), escape(field.html_name)
    numbers = count(1)
    groups = []
    for label, options in choices if grouped else [("", choices)]:
        boxes = []
        ticked_here = 0
        for value, text in options:
            number = next(numbers)
            # The first box has the field's own id, so the error summary's link lands on it.
            box_id = field_id if number == 1 else f"{field_id}-{number}"
            value = str(value)
            checked = ""
            if value in ticked:
                checked = CHECKED
                ticked_here += 1
            boxes.append(
                CHECKBOX.format(box_id, name, escape(value), checked, box_id, escaped(text))
            )
        groups.append(
            FieldGroup(
                label=label,
                inputs=mark_safe("".join(boxes)),
                size=len(boxes),
                filled_in=f"{ticked_here} ticked" if ticked_here else "",
                folds=grouped and len(boxes) > FOLD_OVER,
            )
        )
    return groups


@register.simple_tag
def number_groups(groups) -> list[FieldGroup]:
    """Whole-number fields, given as (group label, bound fields) pairs, as text inputs."""
    drawn = []
    for label, fields in groups:
        inputs = [number_input(field) for field in fields]
        given = sum(1 for field in fields if field.value() not in (None, "") or field.errors)
        drawn.append(
            FieldGroup(
                label=label,
                inputs=mark_safe("".join(inputs)),
                size=len(fields),
                filled_in=f"{given} given" if given else "",
                folds=len(groups) > 1 and len(fields) > FOLD_OVER,
            )
        )
    return drawn


@register.simple_tag
def number_input(field, label=None, inputmode="numeric") -> SafeString:
    """A GOV.UK text input for a number; `inputmode="decimal"` offers a decimal point."""
    value = field.value()
    field_id = escape(field.auto_id)
    errors = field.errors
    return mark_safe(
        NUMBER.format(
            " govuk-form-group--error" if errors else "",
            field_id,
            escaped(field.label if label is None else label),
            "".join(ERROR.format(field_id, escaped(error)) for error in errors),
            " govuk-input--error" if errors else "",
            field_id,
            escape(field.html_name),
            escape(inputmode),
            "" if value is None else escape(str(value)),
            f' aria-describedby="{field_id}-error"' if errors else "",
        )
    )
