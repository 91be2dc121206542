import pytest

from shangji.notify.tests.receivers import Receiver, SmtpSink


@pytest.fixture
def receiver():
    """`receiver(status=…, answer=…, delay=…)` → a running Receiver, stopped after the test."""
    started: list[Receiver] = []

    def start(**options) -> Receiver:
        started.append(Receiver(**options))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    started: list[SmtpSink] = []

    def start(**options) -> SmtpSink:
        sink = SmtpSink(**options)
        started.append(sink)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.DEFAULT_FROM_EMAIL = "crm@example.com"
        return sink

    yield start
    for sink in started:
        sink.stop()
