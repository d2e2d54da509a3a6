"""The partnership-status-due index also holds when each action was completed.

The indicators count a partnership's actions due in a period (on time, late, overdue) by agency
and by quarter. Through the table that read every action the partnership ever had, 27,603 for
the largest, to keep the 5,567 due in a year: 11 to 13 ms a pass. From the index alone, 3 ms
(docs/performance.md, the fifteenth change).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0013_people_found_by_one_search_text")]

    operations = [
        migrations.RemoveIndex(model_name="action", name="action_partnership_status_due"),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["partnership", "status", "due_on"],
                include=("owner_agency", "id", "completed_on"),
                name="action_partnership_status_due",
            ),
        ),
    ]
