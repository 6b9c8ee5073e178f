import pytest

from helpdesk.services.intake.mail_parsing import (
    decode_text,
    header_summary,
    header_text,
    html_to_text,
    language_detect,
    mail_parse,
    message_ids,
    split_quoted,
)
from tests.helpdesk.mail import make_mail

LIMIT = 1_000_000


def parse(raw: bytes, limit: int = LIMIT):
    return mail_parse(raw, attachment_max_bytes=limit)


def test_utf8_mislabelled_as_ascii_is_read_as_utf8():
    assert decode_text("Café crème".encode(), "us-ascii") == "Café crème"


def test_latin1_mislabelled_as_utf8_is_read_as_windows_1252():
    assert decode_text("Café \u2013 10€".encode("cp1252"), "utf-8") == "Café \u2013 10€"


def test_an_unknown_charset_label_falls_back_instead_of_failing():
    assert decode_text("Grüße".encode(), "x-no-such-charset") == "Grüße"


def test_undecodable_bytes_become_replacement_characters():
    text = decode_text(b"ok \x81\x8d\x8f\x90\x9d end\x00", "utf-8")
    assert text.startswith("ok ") and text.endswith(" end")
    assert "\ufffd" in text and "\x00" not in text


def test_encoded_words_and_raw_8bit_headers_are_decoded():
    assert header_text("=?utf-8?q?Caf=C3=A9?= au lait") == "Café au lait"
    raw_latin1 = "Ré: commande".encode("latin-1").decode("ascii", "surrogateescape")
    assert header_text(raw_latin1) == "Ré: commande"
    assert header_text("=?x-unknown?q?caf=E9?=") == "café"


def test_message_ids_are_read_in_order_even_when_folded():
    assert message_ids("<a@x>\r\n <b@y> <c@z>") == ["<a@x>", "<b@y>", "<c@z>"]
    assert message_ids("bare@id.example") == ["<bare@id.example>"]
    assert message_ids("") == []


def test_text_plain_is_preferred_and_html_is_sanitised_for_display():
    html = '<p onclick="x()">Rich <script>bad()</script>words</p>'
    raw = make_mail(body="Plain words\n", html=html)
    mail = parse(raw)
    assert mail.text == "Plain words"
    assert "Rich" in mail.html
    assert "script" not in mail.html and "onclick" not in mail.html


def test_html_only_mail_becomes_readable_text():
    raw = (
        b"From: a@b.example\r\nTo: support@kendrascottes.example\r\nSubject: hi\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style></head><body><p>Hello&nbsp;there</p>"
        b"<ul><li>one</li><li>two</li></ul><script>x()</script></body></html>"
    )
    mail = parse(raw)
    assert mail.text == "Hello there\n\n- one\n\n- two"
    assert "<p>Hello" in mail.html and "color:red" not in mail.html


def test_html_to_text_survives_broken_markup():
    assert "text" in html_to_text("<p>unclosed <b>text <div")


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, 2 Nov 2026 at 10:00, Kendrascottes <support@kendrascottes.example> wrote:\n> old",
        "On Mon, 2 Nov 2026 at 10:00, Kendrascottes Customer Service\n"
        "<support@kendrascottes.example> wrote:\n> old",
        "Le lun. 2 nov. 2026 à 10:00, Support <s@k.example> a écrit :\n> ancien",
        "From: Kendrascottes <support@kendrascottes.example>\nSent: Monday\nSubject: Re: x\n\nold",
        "-----Original Message-----\nFrom: support\nold",
        "> just a quoted block\n> at the end",
    ],
)
def test_the_quoted_history_is_split_from_the_new_text(quoted):
    text = f"Thanks, the parcel arrived.\nAnn\n\n{quoted}"
    assert split_quoted(text) == "Thanks, the parcel arrived.\nAnn"


def test_a_message_that_is_all_quote_keeps_its_whole_text():
    assert split_quoted("> only quoted") == "> only quoted"


def test_attachments_inline_images_and_forwarded_mail_are_kept():
    raw = make_mail(attachments=(("receipt.pdf", "application/pdf", b"%PDF-1.4 data"),))
    from email import message_from_bytes, policy

    message = message_from_bytes(raw, policy=policy.default)
    message.add_attachment(
        b"\x89PNG image", maintype="image", subtype="png", cid="<logo1>", disposition="inline"
    )
    message.add_attachment(make_mail(subject="Forwarded"), maintype="message", subtype="rfc822")
    mail = parse(bytes(message))
    by_type = {part.content_type: part for part in mail.attachments}
    assert by_type["application/pdf"].filename == "receipt.pdf"
    assert by_type["application/pdf"].content == b"%PDF-1.4 data"
    assert by_type["image/png"].inline and by_type["image/png"].content_id == "logo1"
    assert b"Subject: Forwarded" in by_type["message/rfc822"].content
    assert mail.text.startswith("Hello,")  # the forwarded mail's body is not mixed in


def test_an_attachment_over_the_limit_is_recorded_with_its_size_and_a_note():
    big = b"x" * 3000
    mail = parse(make_mail(attachments=(("big.bin", "application/octet-stream", big),)), 2000)
    (part,) = mail.attachments
    assert part.content is None and part.size == 3000
    assert "over the" in part.note and part.filename == "big.bin"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Auto-Submitted": "auto-generated; type=vacation"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Precedence": "junk"}, "Precedence"),
        ({"Precedence": "list"}, "Precedence"),
        ({"List-Id": "<news.shop.example>"}, "List-Id"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"Return-Path": "<>"}, "Return-Path"),
    ],
)
def test_automatic_mail_is_recognised(headers, reason):
    assert reason in parse(make_mail(headers=headers)).automatic


def test_mail_a_person_wrote_is_not_automatic():
    raw = make_mail(headers={"Auto-Submitted": "no", "Precedence": "normal"})
    assert parse(raw).automatic == ""


def test_mail_from_a_mailer_daemon_is_automatic():
    assert parse(make_mail(sender="MAILER-DAEMON@mx.example")).automatic


def test_a_delivery_status_report_names_the_mail_that_bounced():
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
        b"To: support@kendrascottes.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: support@kendrascottes.example\r\nMessage-ID: <ack-1@kendrascottes.example>\r\n"
        b"--B--\r\n"
    )
    mail = parse(raw)
    assert mail.automatic
    assert mail.bounced_message_id == "<ack-1@kendrascottes.example>"
    assert "User unknown" in mail.bounce_detail


def test_garbage_is_parsed_into_something_without_raising():
    mail = parse(b"\xff\xfe\x00garbage without headers\r\n\r\n\x80\x81")
    assert mail.message_id == "" and mail.from_email == ""
    assert header_summary(b"Subject: =?utf-8?b?broken\r\n\r\n")["subject"] == "=?utf-8?b?broken"


def test_the_language_of_a_message_is_detected():
    assert language_detect("Bonjour, ma commande est arrivée cassée. Pouvez-vous m'aider ?") == "fr"
    assert language_detect("Hello, my order arrived broken. Can you help me please?") == "en"
    assert language_detect("Hallo, meine Bestellung ist kaputt angekommen.") == "de"


def test_too_little_text_has_no_language():
    assert language_detect("ok thx") == ""
