"""Each brand's urgent situations, in the words customers really write in each language the
brand file names, found through the inbound path a mail takes."""

import unicodedata

import pytest

from helpdesk.models import Ticket
from tests.helpdesk.mail import CR, KS, make_mail

URGENT = [
    # Kendrascottes: damaged item on delivery
    ("kendrascottes", "en", "Hello, my necklace arrived damaged and the clasp is bent."),
    ("kendrascottes", "fr", "Bonjour, ma bague est arrivée cassée dans le colis. Que faire ?"),
    ("kendrascottes", "es", "Hola, el collar llegó roto y la caja estaba abierta."),
    ("kendrascottes", "de", "Hallo, meine Halskette ist beschädigt angekommen. Was nun?"),
    # as some mail clients write accents: a letter, then the accent as a character of its own
    (
        "kendrascottes",
        "fr",
        unicodedata.normalize("NFD", "Bonjour, mon bracelet est arrivé abîmé. Que dois-je faire ?"),
    ),
    # Kendrascottes: shipping emergency
    ("kendrascottes", "en", "My parcel is stuck in customs and it is a gift for Friday."),
    ("kendrascottes", "fr", "Bonjour, mon colis est bloqué à la douane depuis une semaine."),
    ("kendrascottes", "es", "Hola, mi paquete está retenido en aduana desde el lunes."),
    ("kendrascottes", "de", "Hallo, mein Paket hängt seit einer Woche beim Zoll fest."),
    # Crocso: lost package marked as delivered
    ("crocso", "en", "The tracking says delivered but the package never arrived."),
    ("crocso", "fr", "Bonjour, le suivi indique livré mais je n'ai jamais reçu le colis."),
    ("crocso", "es", "Hola, el seguimiento dice entregado, pero el pedido nunca llegó."),
    ("crocso", "de", "Hallo, laut Sendungsverfolgung zugestellt, aber es ist nie angekommen."),
    # Crocso: incorrect item received
    ("crocso", "en", "Hi, I received the wrong size: I ordered a 9 and got a 7."),
    ("crocso", "fr", "Bonjour, j'ai reçu la mauvaise pointure : j'avais commandé du 42."),
    ("crocso", "es", "Hola, me enviaron una talla equivocada; pedí la 39 y llegó la 41."),
    ("crocso", "de", "Hallo, ich habe die falsche Größe bekommen, bestellt war 42."),
]

NOT_URGENT = [
    ("kendrascottes", "fr", "Bonjour, cette bague existe-t-elle aussi en or rose ? Merci."),
    ("kendrascottes", "es", "Hola, ¿este collar también está disponible en plata? Gracias."),
    ("kendrascottes", "de", "Hallo, gibt es diese Halskette auch in Silber? Vielen Dank."),
    ("crocso", "fr", "Bonjour, quand aurez-vous de nouveaux Jibbitz en stock ? Merci."),
    ("crocso", "es", "Hola, ¿cuándo tendrán nuevos Jibbitz disponibles? Gracias."),
    ("crocso", "de", "Hallo, wann gibt es wieder neue Jibbitz im Shop? Danke schön."),
]


def _file(slug: str, sentence: str, deliver) -> Ticket:
    deliver(make_mail(to=KS if slug == "kendrascottes" else CR, subject="Order", body=sentence))
    return Ticket.objects.get(brand__slug=slug)


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "language", "sentence"), URGENT)
def test_a_brands_urgent_situation_in_each_language_makes_the_ticket_urgent(
    shipped_brands, deliver, slug, language, sentence
):
    ticket = _file(slug, sentence, deliver)
    assert ticket.is_urgent
    assert ticket.language == language


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "language", "sentence"), NOT_URGENT)
def test_an_ordinary_question_in_each_language_is_not_urgent(
    shipped_brands, deliver, slug, language, sentence
):
    ticket = _file(slug, sentence, deliver)
    assert not ticket.is_urgent
    assert ticket.language == language
