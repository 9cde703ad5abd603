"""A real SMTP server (aiosmtpd) in the test process, and what it received, parsed."""

import asyncio
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: keeps every message it accepts; `delay` slows each one down."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                (
                    list(envelope.rcpt_tos),
                    message_from_bytes(envelope.content, policy=policy.default),
                )
            )
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def to(self, address):
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def __len__(self):
        with self.lock:
            return len(self.messages)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1; Django's SMTP backend sends to it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


def parts(message):
    """(text part, HTML part) of a parsed message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return text.get_content(), html.get_content()
