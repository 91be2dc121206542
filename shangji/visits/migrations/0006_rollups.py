"""The manager's page (V2–V4) reads rollups written at write time (shangji/visits/rollups.py); this builds them
from the visits already stored."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def build_rollups(apps, schema_editor):
    from shangji.visits.rollups import rebuild

    # The new tables' indexes are created when the migration ends (deferred SQL); create them first, so the rebuild
    # uses them and its ANALYZE gives the planner their statistics (SQLite's skip-scan of the problems' index).
    for sql in schema_editor.deferred_sql:
        schema_editor.execute(sql)
    schema_editor.deferred_sql.clear()
    rebuild(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_interaction_opportunity'),
        ('org', '0002_salesprofile_territory'),
        ('visits', '0005_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='VisitDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='日期')),
                ('delay_hours', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='记录延迟（整小时）')),
                ('recorded', models.PositiveIntegerField(default=0, verbose_name='已记录')),
                ('checked_in_only', models.PositiveIntegerField(default=0, verbose_name='签到未记录')),
                ('actions_done', models.PositiveIntegerField(default=0, verbose_name='承诺已完成')),
                ('actions_missed', models.PositiveIntegerField(default=0, verbose_name='承诺未完成')),
                ('actions_pending', models.PositiveIntegerField(default=0, verbose_name='承诺待确认')),
                ('checkin_ok', models.PositiveIntegerField(default=0, verbose_name='签到正常')),
                ('checkin_far', models.PositiveIntegerField(default=0, verbose_name='签到过远')),
                ('checkin_no_customer_location', models.PositiveIntegerField(default=0, verbose_name='客户未设置位置')),
                ('checkin_no_position', models.PositiveIntegerField(default=0, verbose_name='未获取到定位')),
                ('photos', models.PositiveIntegerField(default=0, verbose_name='照片')),
                ('photos_clean', models.PositiveIntegerField(default=0, verbose_name='无异常照片')),
                ('photo_no_exif', models.PositiveIntegerField(default=0, verbose_name='照片无拍摄信息')),
                ('photo_far', models.PositiveIntegerField(default=0, verbose_name='拍摄地点过远')),
                ('photo_early', models.PositiveIntegerField(default=0, verbose_name='拍摄时间早于拜访')),
                ('photo_late', models.PositiveIntegerField(default=0, verbose_name='拍摄时间晚于记录')),
                ('photo_no_gps', models.PositiveIntegerField(default=0, verbose_name='照片无拍摄地点')),
                ('photo_no_time', models.PositiveIntegerField(default=0, verbose_name='照片无拍摄时间')),
                ('city', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit', verbose_name='客户地市')),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='拜访人')),
                ('team', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit', verbose_name='团队')),
            ],
            options={
                'verbose_name': '拜访日汇总',
                'verbose_name_plural': '拜访日汇总',
                'ordering': ['day', 'owner', 'id'],
                'indexes': [models.Index(fields=['day', 'owner'], name='visit_day_by_day'), models.Index(fields=['owner', 'day'], name='visit_day_by_owner')],
            },
        ),
        migrations.CreateModel(
            name='VisitProblem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='日期')),
                ('prev_day', models.DateField(blank=True, null=True, verbose_name='上次出现日期')),
                ('source', models.CharField(max_length=8, verbose_name='来源')),
                ('code', models.CharField(max_length=40, verbose_name='问题')),
                ('label', models.CharField(max_length=40, verbose_name='名称')),
                ('risk', models.CharField(blank=True, max_length=10, verbose_name='风险等级')),
                ('city', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit', verbose_name='客户地市')),
                ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer', verbose_name='客户')),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='拜访人')),
                ('team', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit', verbose_name='团队')),
                ('visit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='visits.visit', verbose_name='拜访')),
            ],
            options={
                'verbose_name': '拜访问题',
                'verbose_name_plural': '拜访问题',
                'ordering': ['day', 'id'],
                'indexes': [models.Index(fields=['team', 'source', 'code', 'day', 'prev_day'], name='visit_problem_by_team'), models.Index(fields=['day', 'team', 'source', 'code', 'prev_day'], name='visit_problem_by_day'), models.Index(fields=['owner', 'day'], name='visit_problem_by_owner'), models.Index(fields=['customer'], name='visit_problem_by_customer'), models.Index(fields=['visit'], name='visit_problem_by_visit')],
            },
        ),
        migrations.RunPython(build_rollups, migrations.RunPython.noop),
    ]
