"""Numbered pages that cost one pass over the rows a person may see, not two or more.

Django's paginator counts every visible row, then reads a page of whole rows in order: two passes
over the same rows, the second sorting them at full width. Here one query reads the page's keys
in order with the count of them all beside each key (a window over the same rows), and a second
reads just the page's rows by key. Where an index holds the order and the columns reach is decided
by, the keys come from the index alone.

Where reach is an `OR` of several kinds, read through a BitmapOr, this halves a page's SQL: the
visible rows are fetched once, not twice. A list opts in (`paginator_class` or
`pagination_class`) once its plan has been read: a window over the rows makes PostgreSQL weigh
other plans, and one that tests `= ANY(ARRAY(...))` row by row can be far slower.

API lists too long to count on every page page by position instead (`PositionPagination`), and
so do pages over a record that only grows, such as the access log (`PositionPaginatedMixin`).
Numbered pages over a list that runs to tens or hundreds of thousands over the years kept (a
front door's archive, a partnership's actions and audit returns) count only so far past the page
asked for (`BoundedCountPaginator`).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

# Rows. PostgreSQL's OFFSET and LIMIT stop at 2**63 - 1, so a page said to start further on is
# past the end of every list rather than a query the database refuses.
NO_LIST_IS_LONGER = 2**62


class KeysFirstPaginator(Paginator):
    def page(self, number):
        if self.object_list.query.distinct:
            # A window counts the rows before DISTINCT removes the repeats a join made.
            return super().page(number)
        number = _at_least_one(self, number)
        bottom = (number - 1) * self.per_page
        # The orphans a last page takes in are read with it, so no further query is needed.
        keys_and_total = list(
            self.object_list.annotate(rows_visible=Window(Count("pk"))).values_list(
                "pk", "rows_visible"
            )[bottom : bottom + self.per_page + self.orphans]
        )
        if keys_and_total:
            self.count = keys_and_total[0][1]
        number = self.validate_number(number)  # past the last page, it counts on its own
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = [key for key, _ in keys_and_total[: top - bottom]]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


class BoundedCountPaginator(Paginator):
    """Numbered pages that count at most `ahead` rows past the start of the page asked for.

    Counting all 195,703 referrals a front door has received cost 25 ms of SQL a page and grows
    with the years kept; counting on only so far costs the same at any size. Past that the list
    says there are more (`more_than_counted`), and pages on as far as anyone follows it.
    """

    # Forty pages: past them people filter rather than page on. Counting on to 10,000 took 6 ms
    # of SQL a page of a partnership's actions and 10 of a referrer's 6,675 referrals; to 2,000,
    # 1.8 and 0.6.
    ahead = 2_000
    # Counting in the list's order lets PostgreSQL stop at the bound while reading an index that
    # holds the order and the columns reach is decided by (actions). Where reach is read as a
    # BitmapOr instead (audit returns), the order only makes it sort every visible row first.
    count_in_order = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counted_up_to = self.ahead  # until a page is asked for (or for ?page=last)

    def page(self, number):
        self.count_from_page(number)
        return super().page(number)

    def count_from_page(self, number):
        """Count on from page `number` rather than the first: before the page is read where the
        count is shown first (the admin's), else when the page is read."""
        counted_up_to = (_at_least_one(self, number) - 1) * self.per_page + self.ahead
        if counted_up_to != self.counted_up_to:
            # Counted already to find the last page (?page=last): count again from that page.
            self.__dict__.pop("count", None)
            self.__dict__.pop("num_pages", None)
            self.counted_up_to = counted_up_to

    @cached_property
    def count(self):
        # One row past the limit is counted, so a page is known to follow the last one counted.
        rows = self.object_list if self.count_in_order else self.object_list.order_by()
        return rows[: self.counted_up_to + 1].count()

    @property
    def more_than_counted(self) -> bool:
        return self.count > self.counted_up_to

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        # As the admin lists pages: the last one counted is not the last.
        yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
        if self.more_than_counted:
            yield self.ELLIPSIS


class BoundedUnorderedCountPaginator(BoundedCountPaginator):
    count_in_order = False


def _at_least_one(paginator: Paginator, number) -> int:
    """A page number, checked as `validate_number` does but for the last page (which needs the
    count, read with the page or bounded by where the page starts). A page no list could reach
    is not found, as a page past the last is."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError) as error:
        raise PageNotAnInteger(paginator.error_messages["invalid_page"]) from error
    if number < 1:
        raise EmptyPage(paginator.error_messages["min_page"])
    if (number - 1) * paginator.per_page > NO_LIST_IS_LONGER:
        raise EmptyPage(paginator.error_messages["no_results"])
    return number


class KeysFirstPagination(PageNumberPagination):
    """Numbered API pages read keys first, for the list endpoints that opt in."""

    django_paginator_class = KeysFirstPaginator


class PositionPagination(CursorPagination):
    """API pages read by position in `ordering`, with no count, for lists of tens of thousands.

    DRF places a cursor by the first ordering field and skips the rows already passed that share
    its value. Its default cap on that skip (1,000) would serve the same page again and again once
    more rows share a value (actions due the same day, the returns of one large audit). The cap
    here bounds what a crafted cursor can make a page read to what a numbered page cost anyway:
    passing every visible row to count them.
    """

    offset_cutoff = 100_000

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """The cursor in the link, refused as one that cannot be decoded is if the position it
        holds is not a value of the ordering's first field (DRF filters by it as it stands)."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.to_python(cursor.position)
            except ValidationError as error:
                raise NotFound(self.invalid_cursor_message) from error
        return cursor


@dataclass(frozen=True)
class PositionPage:
    """A page read by position: its rows and links to the pages either side, never a count."""

    object_list: list
    previous_url: str | None
    next_url: str | None

    def has_other_pages(self) -> bool:
        return bool(self.previous_url or self.next_url)


class PositionPaginatedMixin:
    """For a ListView over rows that only grow: pages by position in `position_pagination`'s
    ordering, with links to newer and older pages, so no page counts every visible row.

    The API's position pages are reused as they are: the cursor in a link says where the page
    starts, and one that has been tampered with is a 404, as an unknown page number is.
    """

    position_pagination: type[PositionPagination]

    def paginate_queryset(self, queryset, page_size):
        pages = self.position_pagination()
        pages.page_size = page_size
        try:
            rows = pages.paginate_queryset(queryset, Request(self.request))
        except NotFound as error:
            raise Http404(str(error.detail)) from error
        page = PositionPage(
            rows, _path_and_query(pages.get_previous_link()), _path_and_query(pages.get_next_link())
        )
        return None, page, rows, page.has_other_pages()


def _path_and_query(url: str | None) -> str | None:
    """A link within the site, whatever host the request named."""
    if url is None:
        return None
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))
