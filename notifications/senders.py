"""Handing one message to the world: Twilio (WhatsApp, SMS), Meta's WhatsApp Cloud API, an
email server, or the outbox.

Each sender returns what the provider answered, or raises ``SendFailed`` saying whether
trying again later can help (timeouts, 429 and 5xx) or not (a number that cannot receive
the message, wrong credentials, a refused address). Secrets never reach a message or log.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.models import Channel, MessagingSettings

OUTBOX = "outbox"


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_message_id: str = ""


class SendFailed(Exception):
    def __init__(self, error: str, *, retry: bool):
        super().__init__(error)
        self.error = error
        self.retry = retry


@dataclass(frozen=True)
class TwilioAccount:
    account_sid: str
    auth_token: str
    whatsapp_from: str
    sms_from: str


def twilio_account(messaging: MessagingSettings) -> TwilioAccount | None:
    """The restaurant's own Twilio account if it has one, else the platform's, else None."""
    if messaging.twilio_account_sid and messaging.twilio_auth_token:
        sid, token = messaging.twilio_account_sid, messaging.twilio_auth_token
    else:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if not (sid and token):
        return None
    return TwilioAccount(
        account_sid=sid,
        auth_token=token,
        whatsapp_from=messaging.whatsapp_from or settings.TWILIO_WHATSAPP_FROM,
        sms_from=messaging.sms_from or settings.TWILIO_SMS_FROM,
    )


_clients: dict[tuple[str, str], Client] = {}


def _twilio_client(account: TwilioAccount) -> Client:
    # One client (and its pooled HTTPS connections) per account and process.
    key = (account.account_sid, account.auth_token)
    if key not in _clients:
        client = Client(
            account.account_sid,
            account.auth_token,
            http_client=TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS),
        )
        client.api.base_url = settings.TWILIO_API_URL
        _clients[key] = client
    return _clients[key]


def status_callback_url(public_url: str) -> str:
    return public_url + reverse("twilio-status")


def send_twilio(
    *,
    account: TwilioAccount,
    channel: str,
    to: str,
    body: str,
    callback_url: str,
    sender: str = "",
) -> Sent:
    """Send through Twilio from ``sender`` (blank: the account's number for the channel)."""
    sender = sender or (account.whatsapp_from if channel == Channel.WHATSAPP else account.sms_from)
    if not sender:
        raise SendFailed(f"no {channel} sender number is set", retry=False)
    if channel == Channel.WHATSAPP:
        sender, to = f"whatsapp:{sender}", f"whatsapp:{to}"
    try:
        created = _twilio_client(account).messages.create(
            to=to, from_=sender, body=body, status_callback=callback_url
        )
    except TwilioRestException as error:
        retry = error.status == 429 or error.status >= 500
        raise SendFailed(
            f"Twilio {error.status} (code {error.code}): {error.msg}", retry=retry
        ) from None
    except requests.Timeout:
        raise SendFailed("Twilio did not answer in time", retry=True) from None
    except requests.ConnectionError as error:
        raise SendFailed(
            f"Twilio could not be reached: {type(error).__name__}", retry=True
        ) from None
    return Sent(provider="twilio", provider_message_id=created.sid or "")


# Meta's error codes that a later try may get through: throttling and passing outages.
META_RETRY_CODES = {1, 2, 4, 17, 80007, 130429, 131000, 131016, 131056, 133004}

_meta_session = requests.Session()


def send_meta(*, phone_number_id: str, access_token: str, to: str, body: str) -> Sent:
    """Send a WhatsApp text through Meta's Cloud API from the number ``phone_number_id``."""
    url = f"{settings.META_GRAPH_URL.rstrip('/')}/{phone_number_id}/messages"
    payload = {
        "messaging_product": "whatsapp",
        "to": to.removeprefix("+"),
        "type": "text",
        "text": {"body": body},
    }
    try:
        response = _meta_session.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.META_TIMEOUT_SECONDS,
        )
    except requests.Timeout:
        raise SendFailed("Meta did not answer in time", retry=True) from None
    except requests.RequestException as error:
        raise SendFailed(f"Meta could not be reached: {type(error).__name__}", retry=True) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    if response.status_code >= 300:
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        code = error.get("code")
        retry = (
            response.status_code == 429
            or response.status_code >= 500
            or code in META_RETRY_CODES
            or bool(error.get("is_transient"))
        )
        text = str(error.get("message") or response.reason or "")[:300]
        raise SendFailed(f"Meta {response.status_code} (code {code}): {text}", retry=retry)
    messages = answer.get("messages")
    first = messages[0] if isinstance(messages, list) and messages else {}
    message_id = first.get("id") if isinstance(first, dict) else ""
    return Sent(provider="meta", provider_message_id=str(message_id or "")[:128])


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def send_email(*, sender: str, to: str, subject: str, body: str) -> Sent:
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=sender or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise SendFailed(
            f"the email server refused {to}: {_smtp_reasons(error)}", retry=False
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise SendFailed(f"email server login refused ({error.smtp_code})", retry=False) from None
    except smtplib.SMTPResponseException as error:
        # 4xx is "try again later" in SMTP; 5xx is final.
        raise SendFailed(
            f"the email server answered {error.smtp_code}: {_text(error.smtp_error)}",
            retry=400 <= error.smtp_code < 500,
        ) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise SendFailed(
            f"the email server could not be reached: {type(error).__name__}", retry=True
        ) from None
    return Sent(provider="email")


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_reasons(error: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{code} {_text(reason)}" for code, reason in error.recipients.values())
