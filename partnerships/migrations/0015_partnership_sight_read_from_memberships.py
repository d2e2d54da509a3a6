"""Which partnerships an agency's staff see is now read from current memberships when asked
(`safeguarding.permissions.PartnershipsSeen`). The view grants once given to agency groups on
each membership's saving would outlive a leaving day, so they are removed."""

from django.db import migrations


def remove_agency_sight_grants(apps, schema_editor):
    PartnershipGroupObjectPermission = apps.get_model(
        "partnerships", "PartnershipGroupObjectPermission"
    )
    PartnershipGroupObjectPermission.objects.filter(
        permission__codename="view_partnership", group__name__regex=r"^agency:[0-9]+$"
    ).delete()


def restore_agency_sight_grants(apps, schema_editor):
    """Going back to code that reads the grants: give them again for today's memberships."""
    import datetime

    from django.db.models import Q

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Membership = apps.get_model("partnerships", "Membership")
    PartnershipGroupObjectPermission = apps.get_model(
        "partnerships", "PartnershipGroupObjectPermission"
    )
    permission = Permission.objects.filter(
        codename="view_partnership", content_type__app_label="partnerships"
    ).first()
    if permission is None:
        return
    today = datetime.date.today()
    current = Membership.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=today), joined_on__lte=today
    )
    for membership in current:
        group = Group.objects.get_or_create(name=f"agency:{membership.agency_id}")[0]
        PartnershipGroupObjectPermission.objects.get_or_create(
            permission=permission, group=group, content_object_id=membership.partnership_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0014_action_index_holds_completion"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(remove_agency_sight_grants, restore_agency_sight_grants)]
