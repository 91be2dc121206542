import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")
application = get_wsgi_application()

from shangji.leads.tagging import warm_up  # noqa: E402  (the first lead of each process must not wait for jieba)

warm_up()
