from tests.config.test_settings import setting

MAILBOX_ENV = {
    "IMAP_MAILBOXES": "support,returns",
    "IMAP_SUPPORT_HOST": "imap.mail.example",
    "IMAP_SUPPORT_USER": "support@kendrascottes.example",
    "IMAP_SUPPORT_PASSWORD": "app-password",
    "IMAP_RETURNS_HOST": "mail.crocso.example",
    "IMAP_RETURNS_USER": "returns",
    "IMAP_RETURNS_PASSWORD": "secret",
    "IMAP_RETURNS_SECURITY": "starttls",
    "IMAP_RETURNS_PORT": "1143",
    "IMAP_RETURNS_MOVE_TO": "Taken",
    "IMAP_RETURNS_RECIPIENT": "support@crocso.example",
}


def test_no_mailbox_is_read_and_nothing_scheduled_unless_configured():
    assert setting("config.settings.base", {}, "IMAP_MAILBOXES") == {}
    schedule = setting("config.settings.base", {}, "CELERY_BEAT_SCHEDULE")
    assert "fetch-imap-mail" not in schedule


def test_each_named_mailbox_is_read_from_its_own_variables_and_scheduled():
    mailboxes = setting("config.settings.base", MAILBOX_ENV, "IMAP_MAILBOXES")
    assert mailboxes["support"] == {
        "host": "imap.mail.example",
        "user": "support@kendrascottes.example",
        "password": "app-password",
        "port": 0,
        "folder": "INBOX",
        "security": "ssl",
        "ca_file": "",
        "move_to": "",
        "recipient": "",
    }
    assert mailboxes["returns"]["security"] == "starttls"
    assert mailboxes["returns"]["port"] == 1143
    assert mailboxes["returns"]["move_to"] == "Taken"
    assert mailboxes["returns"]["recipient"] == "support@crocso.example"
    schedule = setting(
        "config.settings.base", {**MAILBOX_ENV, "IMAP_FETCH_SECONDS": "30"}, "CELERY_BEAT_SCHEDULE"
    )
    assert schedule["fetch-imap-mail"] == {
        "task": "helpdesk.tasks.fetch_imap_mail",
        "schedule": 30.0,
    }
