"""A real SMTP server of the tests' own (aiosmtpd) in this process, on a free loopback port,
with plain SMTP, STARTTLS or TLS from the start, and a login when asked; and a server that
takes connections but never answers, for the slow case."""
import email
import re
import socket
import ssl
import threading
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from blog.services.mail import BACKGROUND_SENDERS
from helpers import free_port, wait_until

LINK = re.compile(r"https?://\S+")


class Delivered:
    """One message as the server received it."""

    def __init__(self, envelope):
        self.recipients = list(envelope.rcpt_tos)
        self.sender = envelope.mail_from
        self.message = email.message_from_bytes(envelope.original_content, policy=policy.default)

    @property
    def text(self):
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self):
        return self.message.get_body(("html",)).get_content()

    def links(self):
        return LINK.findall(self.text)

    def link(self, path_start):
        """The one link in the plain-text part whose path starts with ``path_start``."""
        found = [link for link in self.links() if re.match(rf"https?://[^/]+{path_start}", link)]
        assert len(found) == 1, f"links to {path_start} in the message: {found}"
        return found[0]


class MailServer:
    """``scheme`` is "smtp", "smtp+starttls" or "smtps"; ``tls`` a trustme certificate
    (with its CA trusted through SSL_CERT_FILE) for the two with TLS; ``login`` a
    (user, password) pair the server asks for."""

    def __init__(self, scheme="smtp", tls=None, login=None):
        self.scheme = scheme
        self.login = login
        self.delivered = []
        self._lock = threading.Lock()
        options = {}
        server_context = None
        if tls is not None:
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.configure_cert(server_context)
        if scheme == "smtp+starttls":
            options.update(tls_context=server_context, require_starttls=True)
        if login is not None:
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        self.port = free_port()
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port,
            ssl_context=server_context if scheme == "smtps" else None, **options)

    @property
    def url(self):
        credentials = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"{self.scheme}://{credentials}127.0.0.1:{self.port}"

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            (auth_data.login.decode(), auth_data.password.decode()) == self.login
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.delivered.append(Delivered(envelope))
        return "250 Message accepted for delivery"

    def messages_to(self, address):
        with self._lock:
            return [item for item in self.delivered if address in item.recipients]

    def wait_for(self, address, count=1, timeout=15):
        """The messages delivered to ``address`` once there are ``count`` of them."""
        return wait_until(lambda: len(self.messages_to(address)) >= count and
                          self.messages_to(address), timeout=timeout,
                          message=f"{count} message(s) to {address} were never delivered")


class SilentServer:
    """Takes connections (the kernel completes them) and never says a word."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.port = self._socket.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"

    def close(self):
        self._socket.close()


def mail_threads_idle(app):
    """Return once every job given to the app's mail threads so far has finished.

    One task per thread, each waiting for all the others: they can only run
    together, so once they have, no thread is busy with an earlier job.
    """
    barrier = threading.Barrier(BACKGROUND_SENDERS)
    waits = [app.extensions["mail_senders"].submit(barrier.wait, timeout=30)
             for _ in range(BACKGROUND_SENDERS)]
    for wait in waits:
        wait.result()
