"""Mail: messages built from templates, sent through the SMTP server ``MAIL_URL`` names.

``MAIL_URL`` is ``smtp://[user:pass@]host[:port]`` (plain, port 25),
``smtp+starttls://…`` (upgraded with STARTTLS, port 587) or ``smtps://…`` (TLS
from the first byte, port 465); certificates are checked against the system's
authorities (or ``SSL_CERT_FILE``). Every exchange with the server has
``MAIL_TIMEOUT`` seconds, so a server that is down or slow costs a request at
most that long and ends as ``MailUnavailable`` and one log line, never a hung
worker.

Without ``MAIL_URL``, in debug each message is written to the log instead (so
``make run`` shows its links); elsewhere mail is off, and the pages that need
it say so.
"""
import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app, g, has_request_context, render_template

from blog.web.links import url_adapter

log = logging.getLogger("blog.mail")

SMTP, LOG, OFF = "smtp", "log", "off"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_SENDER = "Inkwell <no-reply@localhost>"
BACKGROUND_SENDERS = 2


class MailUnavailable(RuntimeError):
    """The mail server could not be reached or would not take the message (logged)."""


def mode():
    """``SMTP`` when ``MAIL_URL`` is set; else ``LOG`` in debug and ``OFF`` otherwise."""
    if current_app.config.get("MAIL_URL"):
        return SMTP
    return LOG if current_app.debug else OFF


class Links:
    """Absolute links to this blog, for messages composed away from a request.

    They start with ``SITE_URL`` when it is set; otherwise with the scheme and host of
    the request being served, which ``TRUSTED_HOSTS`` vouches for (or ``SERVER_NAME``,
    which replaces it).
    """

    def __init__(self):
        self._adapter = url_adapter()

    def __call__(self, endpoint, **values):
        return self._adapter.build(endpoint, values, force_external=True)


def compose(to, subject, template, **context):
    """A message to ``to`` with a plain-text part and an HTML part, from
    ``templates/mail/<template>.txt`` and ``.html`` (which get ``subject`` too)."""
    sender = current_app.config.get("MAIL_FROM") or DEFAULT_SENDER
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2]
                                       or "localhost")
    context["subject"] = subject
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


class Connection:
    """An open connection to the mail server, or to the log when mail goes there."""

    def __init__(self, smtp=None, where=""):
        self._smtp = smtp
        self._where = where

    def send(self, message):
        if self._smtp is None:
            log.info("MAIL_URL is unset, so this message is shown here and not sent:\n"
                     "To: %s\nSubject: %s\n\n%s", message["To"], message["Subject"],
                     message.get_body(("plain",)).get_content())
            return
        try:
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise _unavailable(f"sending to {self._where} failed", error) from error

    def close(self):
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def connect():
    """A Connection, logged in where ``MAIL_URL`` has a user; raises MailUnavailable."""
    if mode() != SMTP:
        return Connection()
    url = urlsplit(current_app.config["MAIL_URL"])
    host, port = url.hostname, url.port or DEFAULT_PORTS[url.scheme]
    where = f"the mail server {host}:{port}"
    timeout = current_app.config["MAIL_TIMEOUT"]
    try:
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise _unavailable(f"could not reach {where}", error) from error
    try:
        if url.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()
        raise _unavailable(f"{where} refused the connection", error) from error
    return Connection(smtp, where)


def _unavailable(what, error):
    log.warning("mail: %s: %s", what, str(error) or type(error).__name__)
    return MailUnavailable(what)


def send(message):
    """Send ``message`` now; raises MailUnavailable."""
    with connect() as connection:
        connection.send(message)


def init_app(app):
    app.extensions["mail_senders"] = ThreadPoolExecutor(BACKGROUND_SENDERS,
                                                        thread_name_prefix="mail")
    app.teardown_request(_start_jobs_of_the_request)


def shutdown(app):
    """Wait for the messages being sent in the background (each bounded by the timeout)."""
    app.extensions["mail_senders"].shutdown(wait=True)


def in_background(job, *args):
    """Run ``job(*args)`` in an app context on one of a few mail threads.

    Asked during a request, the job starts once the response is made, so that
    its work does not slow the answer (a reset must take as long whoever it is
    for). A failure is logged: nobody is waiting for it.
    """
    if has_request_context():
        g.setdefault("mail_jobs", []).append((job, args))
    else:
        _start(current_app._get_current_object(), job, args)


def _start_jobs_of_the_request(error=None):
    for job, args in g.pop("mail_jobs", ()):
        _start(current_app._get_current_object(), job, args)


def _start(app, job, args):
    app.extensions["mail_senders"].submit(_run, app, job, args)


def send_later(message):
    """Send ``message`` in the background."""
    in_background(send, message)


def _run(app, job, args):
    with app.app_context():
        try:
            job(*args)
        except MailUnavailable:
            pass  # logged where it was raised
        except Exception:  # a background thread has nobody else to tell
            log.exception("mail: %s failed", getattr(job, "__name__", job))
