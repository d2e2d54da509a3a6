"""Walk every admin list, add and change page with a directory larger than a page.

A partnership's directory runs to hundreds of agencies and thousands of people, nationally to
thousands of each. An admin page that offers every one of them, as a select, a filter or a list
of checkboxes, is megabytes of markup and seconds of work at that size. Each registered model's
pages are opened with 120 agencies and 120 people added; a page may show a few of them (a list
of agencies is a page of agencies), never all.
"""

import factory
import pytest
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tests.partnerships.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.personas import ADMIN, sign_in
from tests.test_route_walk import (
    identifying_records,
    last_access_log_entry,
    records_to_walk,  # noqa: F401 (a fixture)
    unlogged_details,
)

ADDED = 120


def pages(model, model_admin, user):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    yield base
    request = type("Request", (), {"user": user, "method": "GET"})()
    if model_admin.has_add_permission(request):
        yield f"{base}add/"
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        yield f"{base}{first}/change/"


def history_pages(model, model_admin):
    """The first record's history and the form of its latest version, for a model that has them."""
    first = model._default_manager.order_by("pk").first()
    if first is None or not isinstance(model_admin, SimpleHistoryAdmin):
        return
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{first.pk}/history/"
    yield base
    latest = first.history.order_by("-history_id").first()
    if latest is not None:
        yield f"{base}{latest.history_id}/"


@pytest.mark.django_db
def test_no_admin_page_offers_the_whole_directory(client, records_to_walk):  # noqa: F811
    AgencyFactory.create_batch(ADDED, name=factory.Sequence(lambda n: f"Directory agency {n}"))
    UserFactory.create_batch(ADDED, last_name=factory.Sequence(lambda n: f"Directory person {n}"))
    admin_user = records_to_walk.user(ADMIN)
    sign_in(client, ADMIN)

    offering_all = {}
    for model, model_admin in admin.site._registry.items():
        for path in pages(model, model_admin, admin_user):
            response = client.get(path, follow=True)
            assert response.status_code == 200, path
            body = response.content.decode()
            shown = max(body.count("Directory agency"), body.count("Directory person"))
            if shown >= ADDED and not path.endswith(("/agency/", "/user/")):
                offering_all[path] = shown
    assert offering_all == {}


def test_a_partnerships_members_are_listed_and_added_in_the_memberships_admin(
    client, demo, django_assert_max_num_queries
):
    for agency in AgencyFactory.create_batch(40):
        MembershipFactory(partnership=demo.riverside, agency=agency)
    sign_in(client, ADMIN)
    with django_assert_max_num_queries(20):
        page = client.get(f"/admin/partnerships/partnership/{demo.riverside.pk}/change/")
    members = demo.riverside.memberships.count()
    listed = f"/admin/partnerships/membership/?partnership__id__exact={demo.riverside.pk}"
    assert f'<a href="{listed}">{members} members</a>' in page.content.decode()

    add = f"/admin/partnerships/membership/add/?partnership={demo.riverside.pk}"
    assert f'value="{demo.riverside.pk}" selected' in client.get(add).content.decode()
    assert client.get(listed).context["cl"].result_count == members


def test_every_admin_page_that_shows_a_childs_details_logs_the_read(client, records_to_walk):  # noqa: F811
    held = identifying_records()
    admin_user = records_to_walk.user(ADMIN)
    sign_in(client, ADMIN)

    failures = []
    for model, model_admin in admin.site._registry.items():
        for path in [*pages(model, model_admin, admin_user), *history_pages(model, model_admin)]:
            since = last_access_log_entry()
            response = client.get(path, follow=True)
            assert response.status_code == 200, path
            unlogged = unlogged_details(response.content.decode(), held, since)
            if unlogged:
                failures.append(f"{path} shows {unlogged} without logging the read")
    assert failures == []
