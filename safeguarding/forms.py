from datetime import date
from html import escape

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe

from .govuk import escaped

DATE_HINT = "For example, 27 3 2026"


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes-or-no filter: left alone it matches either, so it says "Any", not "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("unknown", "Any"), ("true", "Yes"), ("false", "No"))


class LongSelect(forms.Select):
    """A select drawn as one string, the same as Django's: for the hundreds of agencies a large
    partnership has.

    Django builds a dictionary of attributes for each option and draws it through a template:
    the largest partnership's 839 member agencies took 20 ms to draw on every disagreement's
    page (its good practice form) and on the forms that name one agency.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = self.format_value(value)
        drawn = [
            f'<select name="{escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>'
        ]
        has_selected = False
        for group_value, group_label in self.choices:
            grouped = isinstance(group_label, (list, tuple))
            if grouped:
                drawn.append(f'\n  <optgroup label="{escaped(group_value)}">')
            for option_value, option_label in (
                group_label if grouped else [(group_value, group_label)]
            ):
                option_value = "" if option_value is None else str(option_value)
                # One option is chosen, the first that matches, as Django's Select chooses.
                selected = not has_selected and option_value in chosen
                has_selected |= selected
                drawn.append(
                    f'\n  <option value="{escape(option_value)}"{" selected" if selected else ""}>'
                    f"{escaped(option_label)}</option>"
                )
            if grouped:
                drawn.append("\n  </optgroup>")
        drawn.append("\n</select>")
        return mark_safe("".join(drawn))


# crispy-forms-gds gives a widget its GOV.UK classes (govuk-select, and its error class) by the
# name of the widget's class.
LongSelect.__name__ = "Select"


def _attributes(attrs: dict) -> str:
    """An element's attributes as Django's widget templates write them: a True value by its name
    alone, a False one left out."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


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


class DateBoxes(DateInputWidget):
    """crispy-forms-gds's day, month and year boxes, which bring up a number keypad on a phone.

    Django marks every box of a date with an error `aria-invalid`; only the boxes at fault, the
    ones crispy-forms-gds draws in red, are marked here, so a screen reader says the same as the
    page shows. (Drawn without crispy-forms-gds, no box is red, and Django's marks stay.)"""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        for box in self.widgets:
            box.attrs["inputmode"] = "numeric"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        boxes = context["widget"]["subwidgets"]
        red = ["govuk-input--error" in box["attrs"].get("class", "").split() for box in boxes]
        if any(red):
            for box, at_fault in zip(boxes, red, strict=True):
                if not at_fault:
                    box["attrs"].pop("aria-invalid", None)
        return context


def date_boxes(name: str, day: date) -> dict[str, str]:
    """The day, month and year boxes of the date field `name` holding `day`, as a query has them."""
    return {f"{name}_{i}": str(part) for i, part in enumerate((day.day, day.month, day.year))}


def has_boxes(data, name: str) -> bool:
    """Whether a query gives any of the boxes of the date field `name`."""
    return any(f"{name}_{i}" in data for i in range(3))


def iso_dates_in_boxes(query, names: dict[str, str]):
    """A copy of a GET filter's query (a QueryDict or a dict) with each date given as one ISO
    text, as links and bookmarks written before the boxes give it (`date_from=2026-04-01`), put
    in the day, month and year boxes its GovukDateField reads (`date_from_0=1&date_from_1=4&
    date_from_2=2026`).

    `names` maps each text's name to its field's. Boxes the query gives win. Text that is not
    a date is put in the boxes as it splits (2026-13-01 as 1, 13 and 2026), so the field says
    what is wrong with it."""
    data = query.copy()
    for text_name, name in names.items():
        text = data.get(text_name)
        if text is None or has_boxes(data, name):
            continue
        data.pop(text_name, None)
        try:
            boxes = date_boxes(name, date.fromisoformat(text.strip()))
        except ValueError:
            parts = ["", "", "", *text.strip().split("-", 2)][-3:]
            boxes = {f"{name}_{i}": part for i, part in enumerate(reversed(parts))}
        data.update(boxes)
    return data


class GovukDateField(DateInputField):
    """A date a person types as GOV.UK's Date input asks: day, month and year in three boxes
    (named NAME_0, NAME_1 and NAME_2), cleaned to a `datetime.date`.

    The errors are the Design System's, worded from the label: "Enter date of birth" when all
    three are blank, "Date of birth must include a month", "... must be a real
    date", "... must include a year with 4 numbers". The boxes at fault are marked as
    crispy-forms-gds expects (on each box's field's widget), so only they are drawn in red and
    the error summary leads to the first of them (safeguarding/templatetags/govuk_errors.py);
    a date wrong as a whole, as a form's or a service's own checks find it, marks the lot.
    """

    widget = DateBoxes
    PARTS = ("day", "month", "year")

    def __init__(self, *, label, help_text=DATE_HINT, error_name=None, **kwargs):
        """`error_name` names the date in its errors where the label is too short to
        ("From" as "the start of the period")."""
        super().__init__(label=label, help_text=help_text, require_all_fields=False, **kwargs)
        self.label = str(label)
        named = str(error_name or label)
        self.named = f"{named[:1].upper()}{named[1:]}"
        self.error_messages["required"] = f"Enter {named[:1].lower()}{named[1:]}"

    def clean(self, value):
        day, month, year = (str(box or "").strip() for box in (list(value or ()) + [""] * 3)[:3])
        for box in self.fields:
            box.widget.errors = []
        if not (day or month or year):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [i for i, box in enumerate((day, month, year)) if not box]
        if missing:
            parts = " and ".join(self.PARTS[i] for i in missing)
            self._fail(missing, f"{self.named} must include a {parts}", "incomplete")
        not_real = f"{self.named} must be a real date"
        self._fail([i for i, box in enumerate((day, month, year)) if not box.isdecimal()], not_real)
        if len(year) != 4:
            self._fail([2], f"{self.named} must include a year with 4 numbers")
        if not 1 <= int(month) <= 12:
            self._fail([1], not_real)
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:  # a day the month does not have (31 2 2026), or the year 0000
            self._fail([0] if int(year) else [2], not_real)
        self.run_validators(value)
        return value

    def _fail(self, boxes, message, code="invalid"):
        """Refuse the date for the boxes at fault, if any are."""
        if not boxes:
            return
        for i in boxes:
            self.fields[i].widget.errors.append(message)
        raise ValidationError(message, code=code)
