"""The language of a customer's request: one decision for every channel (mail, the contact
form, the storefront API, a reply from the status page), so the same words get the same
language, and with it the same extension on the clocks and the same "needs translation" flag."""

from brands.models import Brand
from helpdesk.services.intake.mail_parsing import language_detect
from helpdesk.services.tickets.language import language_code_valid


def request_language(brand: Brand, text: str, declared: str = "") -> str:
    """The request's language code, "" when unknown (the brand's own language is assumed).

    A language the storefront declares wins when it is a valid code: it knows its customer's
    settings, and a short message detects badly. Otherwise the text decides (offline model); a
    text in the brand's own language gives that language's code.
    """
    declared = declared.strip()
    if declared and language_code_valid(declared):
        return declared[:16]
    return language_detect(text)
