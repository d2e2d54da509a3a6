"""GOV.UK Design System markup drawn in Python for what a page repeats on every row.

An `{% include %}` costs Django's template engine about 80 µs however little it draws, and a
list draws a tag on each of its rows.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString


def tag(colour: str, text) -> SafeString:
    """A GOV.UK tag (https://design-system.service.gov.uk/components/tag/) in one colour."""
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)
