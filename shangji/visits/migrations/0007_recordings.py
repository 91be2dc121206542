"""Audio recordings of a visit (V2); a recording earns the points of one optional field ("recording"), which only
changes the choices of PointEntry.field (no column change)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0006_rollups'),
    ]

    operations = [
        migrations.AlterField(
            model_name='pointentry',
            name='field',
            field=models.CharField(blank=True, choices=[('shelf_photo', '货架照片'), ('competitor_photo', '竞品陈列照片'), ('chat_screenshot', '聊天截图'), ('competitor_price', '竞品价格'), ('stock_level', '库存数量'), ('notes', '拜访备注'), ('recording', '拜访录音')], max_length=20, verbose_name='项目'),
        ),
        migrations.CreateModel(
            name='VisitRecording',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client_id', models.UUIDField(unique=True, verbose_name='客户端编号')),
                ('file', models.FileField(upload_to='visits/audio/%Y/%m/', verbose_name='文件')),
                ('content_type', models.CharField(max_length=40, verbose_name='文件类型')),
                ('size', models.PositiveIntegerField(verbose_name='大小（字节）')),
                ('duration_s', models.FloatField(blank=True, null=True, verbose_name='时长（秒）')),
                ('created_at', models.DateTimeField(verbose_name='上传时间')),
                ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recordings', to='visits.visit', verbose_name='拜访')),
            ],
            options={
                'verbose_name': '拜访录音',
                'verbose_name_plural': '拜访录音',
                'ordering': ['created_at', 'id'],
            },
        ),
    ]
