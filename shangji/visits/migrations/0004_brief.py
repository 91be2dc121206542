import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_metrics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WeeklyBrief",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week_start", models.DateField(verbose_name="周起始日")),
                ("sections", models.JSONField(default=dict, verbose_name="内容")),
                ("created_at", models.DateTimeField(verbose_name="生成时间")),
                ("rep", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="weekly_briefs",
                                          to=settings.AUTH_USER_MODEL, verbose_name="销售")),
            ],
            options={
                "verbose_name": "客户洞察简报",
                "verbose_name_plural": "客户洞察简报",
                "ordering": ["-week_start", "-id"],
                "constraints": [models.UniqueConstraint(fields=("rep", "week_start"),
                                                        name="weekly_brief_once_per_week")],
            },
        ),
    ]
