"""GOV.UK Design System markup drawn in Python for what a page repeats on every row.

A list draws a tag on each of its rows, and an `{% include %}` a row costs Django's template
engine more than the tag itself: 0.5 to 2 ms over a page of 25 or 50 rows (docs/performance.md,
the ninth change).
"""

from html import escape

from django.utils.html import format_html
from django.utils.safestring import SafeString

# Red, amber and green look the same wherever the product rates something against a deadline
# or a target: a rapid review's days left, an indicator against the partnership's target.
RAG_COLOURS = {"red": "red", "amber": "orange", "green": "green"}


def escaped(value) -> str:
    """`conditional_escape` without its lazy-text wrapper: what is marked safe is kept.

    For markup drawn with `str.format` where an element repeats hundreds of times: `format_html`
    adds a lazy-text check and a safe string for each value it is given."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def tag(colour: str, text) -> SafeString:
    """A GOV.UK tag (https://design-system.service.gov.uk/components/tag/) in one colour."""
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)


def rag_tag(rag: str) -> SafeString:
    """'red', 'amber' or 'green' as a tag of that colour (amber is GOV.UK's orange)."""
    return tag(RAG_COLOURS[rag], rag.capitalize())
