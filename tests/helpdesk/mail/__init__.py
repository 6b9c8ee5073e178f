"""Real mail and real Mailgun webhook requests for the mail tests, and what went out."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.core import mail as django_mail
from django.utils import timezone

SIGNING_KEY = "test-signing-key"  # config/settings/test.py
BASIC_AUTH = "mailgun:test-webhook-secret"
KS = "support@kendrascottes.example"
CR = "support@crocso.example"
ANN = "ann@customer.example"


def make_mail(
    *,
    subject: str = "Where is my order?",
    sender: str = f"Ann Smith <{ANN}>",
    to: str = KS,
    body: str = "Hello,\nmy order has not arrived yet. Can you tell me where it is?\n",
    message_id: str | None = "",
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """A message as a mail client sends it. `message_id=None` leaves the header out."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    if message_id is not None:
        mail["Message-ID"] = message_id or make_msgid(domain="customer.example")
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(mail)


def message_id_of(raw: bytes) -> str:
    from email import message_from_bytes

    return message_from_bytes(raw)["Message-ID"]


def sign(timestamp: str, token: str, key: str = SIGNING_KEY) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def signature_block(*, key: str = SIGNING_KEY, token: str | None = None, timestamp=None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or secrets.token_hex(25)  # Mailgun's tokens are 50 characters
    return {"timestamp": timestamp, "token": token, "signature": sign(timestamp, token, key)}


def auth_header(credentials: str = BASIC_AUTH) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def multipart(fields: dict[str, str | bytes]) -> tuple[bytes, str]:
    """multipart/form-data as Mailgun posts it, with byte-exact field values."""
    boundary = "mailgun-" + secrets.token_hex(8)
    chunks = []
    for name, value in fields.items():
        value = value.encode() if isinstance(value, str) else value
        chunks += [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode(),
            value,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def post_inbound(
    client,
    raw: bytes,
    *,
    recipient: str = KS,
    sender: str = ANN,
    signature: dict | None = None,
    auth: str | None = BASIC_AUTH,
    url: str = "/anymail/mailgun/inbound_mime/",
):
    """Mailgun's route forward() to the raw-MIME URL: the message in body-mime, signed."""
    signature = signature or signature_block()
    body, content_type = multipart(
        {"recipient": recipient, "sender": sender, "body-mime": raw, **signature}
    )
    headers = auth_header(auth) if auth else {}
    return client.post(url, data=body, content_type=content_type, **headers)


def post_tracking(client, event_data: dict, *, signature: dict | None = None, auth=BASIC_AUTH):
    payload = {"signature": signature or signature_block(), "event-data": event_data}
    headers = auth_header(auth) if auth else {}
    return client.post(
        "/anymail/mailgun/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def bounce_event(message_id: str, recipient: str = ANN) -> dict:
    """Mailgun's "failed" event with permanent severity: a hard bounce."""
    return {
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "timestamp": time.time(),
        "id": secrets.token_hex(8),
        "recipient": recipient,
        "message": {"headers": {"message-id": message_id.strip("<>"), "to": recipient}},
        "delivery-status": {
            "code": 550,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "description": "No such user",
        },
    }


def acknowledgements() -> list:
    """The acknowledgements sent so far (the automatic replies in Django's test outbox)."""
    return [
        m for m in django_mail.outbox if m.extra_headers.get("Auto-Submitted") == "auto-replied"
    ]
