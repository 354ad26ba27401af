"""How a message leaves: built as a MIME message (plain text with an HTML alternative, attachments) and handed to
the SMTP server of the settings over one connection per sending run; without MAIL_SERVER written to the log."""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from ...models import OutboxMessage

logger = logging.getLogger("campaign_crm.mail")
DEFAULT_FROM = "campaign-crm@localhost"


class MessageRefused(Exception):
    """The server refused this one message (a recipient, its size); the connection is still good."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ServerUnavailable(Exception):
    """No message can go now: the server cannot be reached, refused the login, or dropped the connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(Protocol):
    """What the sender needs of a transport: send one message (or raise), close at the end of the run."""

    def send(self, message: OutboxMessage) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    """The MAIL_* settings the SMTP transport needs."""

    server: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str
    timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """The settings of the app's config; without MAIL_FROM the sender is DEFAULT_FROM."""
        return cls(config.get("MAIL_SERVER") or "", int(config.get("MAIL_PORT") or 25),
                   bool(config.get("MAIL_USE_TLS")), config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"),
                   config.get("MAIL_FROM") or DEFAULT_FROM, int(config.get("MAIL_SMTP_TIMEOUT") or 10))


def build(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message: text/plain, with text/html as its alternative when there is HTML, then the attachments."""
    mime = EmailMessage()
    mime["Subject"] = message.subject
    mime["From"] = sender
    mime["To"] = ", ".join(message.recipients)
    domain = sender.rpartition("@")[2] or None
    mime["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=attachment.filename)
    return mime


def _smtp_reason(exc: smtplib.SMTPResponseException) -> str:
    return f"de mailserver antwoordde met code {exc.smtp_code}"


class SmtpTransport:
    """One SMTP connection, opened at the first message and reused for the rest of the run."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        try:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
            if settings.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except smtplib.SMTPAuthenticationError:
            raise ServerUnavailable("de mailserver weigerde de inlognaam of het wachtwoord (MAIL_USERNAME)") from None
        except smtplib.SMTPResponseException as exc:
            raise ServerUnavailable(_smtp_reason(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ServerUnavailable(f"de mailserver is niet bereikbaar ({type(exc).__name__})") from None
        return smtp

    def send(self, message: OutboxMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        mime = build(message, self.settings.sender)
        try:
            refused = self._smtp.send_message(mime, from_addr=self.settings.sender, to_addrs=list(message.recipients))
        except smtplib.SMTPRecipientsRefused:
            raise MessageRefused("de mailserver weigerde alle ontvangers") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise MessageRefused(_smtp_reason(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._smtp = None  # the connection is gone; the next run connects again
            raise ServerUnavailable(f"de verbinding met de mailserver viel weg ({type(exc).__name__})") from None
        if refused:
            logger.warning("mail %s: %d of %d recipients refused", message.id, len(refused), len(message.recipients))

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


class ConsoleTransport:
    """Development without MAIL_SERVER: every message is written to the log in full, so nothing is lost."""

    def send(self, message: OutboxMessage) -> None:
        files = ", ".join(a.filename for a in message.attachments) or "geen"
        logger.info("e-mail (geen MAIL_SERVER, niet verstuurd) aan %s\nOnderwerp: %s\nBijlagen: %s\n\n%s",
                    ", ".join(message.recipients), message.subject, files, message.text)

    def close(self) -> None:
        pass


def for_config(config: Mapping[str, Any]) -> Transport:
    """The SMTP transport when MAIL_SERVER is set, else the console."""
    settings = SmtpSettings.from_config(config)
    return SmtpTransport(settings) if settings.server else ConsoleTransport()
