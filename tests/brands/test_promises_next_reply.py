"""The policy's sentence names the reply targets of later messages when they differ."""

import pytest

from brands.models import Brand, SlaPolicy
from brands.promises import brand_promises


@pytest.mark.django_db
def test_the_sentence_adds_the_later_messages_targets_only_when_they_differ(kendrascottes):
    assert "later message" not in brand_promises(kendrascottes).sentence

    SlaPolicy.objects.filter(brand=kendrascottes).update(
        next_reply_target_hours=8, next_reply_latest_hours=16, next_reply_urgent_latest_hours=6
    )
    sentence = brand_promises(Brand.objects.get(pk=kendrascottes.pk)).sentence
    assert sentence.startswith("We answer within 24 to 48 business hours")
    assert (
        "Every later message is answered within 8 to 16 business hours, and within 6 business "
        "hours for urgent matters." in sentence
    )
