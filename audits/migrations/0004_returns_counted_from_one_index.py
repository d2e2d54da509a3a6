"""Each audit's returns by the time they were submitted, holding what the indicators count.

The indicators count a partnership's returns submitted in a period by grade and agency, and by
quarter: each of its audits' returns were read through the table, 54,609 for the largest
partnership to keep the 10,200 submitted in a year (17 to 18 ms a pass). From this index
alone, about 9 (docs/performance.md, the fifteenth change).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_audit_return_reach_from_columns")]

    operations = [
        migrations.AddIndex(
            model_name="auditreturn",
            index=models.Index(
                fields=["audit", "submitted_at"],
                include=("id", "status", "grade", "agency"),
                name="audit_return_figures",
            ),
        ),
    ]
