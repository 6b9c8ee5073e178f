from datetime import UTC, datetime, timedelta

import pytest

from brands.models import PeakPeriod
from brands.policy_rules import snapshot_rules
from brands.services import policy_snapshot, policy_version_record
from helpdesk.services.sla import clocks

STARTS = [
    datetime(2026, 11, 25, 22, 30, tzinfo=UTC),  # the eve of Thanksgiving, Chicago and Denver
    datetime(2026, 12, 4, 23, 59, tzinfo=UTC),  # Friday evening
    datetime(2026, 12, 24, 15, 0, tzinfo=UTC),  # before Christmas Day
]


def _all_terms(source, category) -> list:
    terms = []
    for start in STARTS:
        for urgent in (False, True):
            for language in ("", "de"):
                for terms_for in (clocks.first_response_terms, clocks.next_reply_terms):
                    terms.append(
                        terms_for(
                            source,
                            received_at=start,
                            is_urgent=urgent,
                            language=language,
                            category=category,
                        )
                    )
            terms.append(clocks.complaint_proposal_terms(source, start=start, language=language))
        terms.append(clocks.tier_response_terms(source, tier=2, start=start))
        terms.append(clocks.periodic_update_terms(source, start=start))
    return terms


@pytest.mark.parametrize("slug", ["kendrascottes", "crocso"])
def test_a_snapshot_gives_every_clock_the_terms_the_live_brand_gives(shipped_brands, slug):
    brand = shipped_brands[slug]
    PeakPeriod.objects.create(
        brand=brand,
        name="Holiday sale",
        starts_on=STARTS[1].date() - timedelta(days=1),
        ends_on=STARTS[1].date() + timedelta(days=2),
        extension_hours=12,
    )
    policy_version_record(brand, source="test")
    category = brand.categories.order_by("position").last()
    rules = snapshot_rules(policy_snapshot(brand))

    assert _all_terms(rules, category) == _all_terms(brand, category)


def test_a_snapshot_with_another_urgent_promise_changes_only_urgent_clocks(kendrascottes):
    snapshot = policy_snapshot(kendrascottes) | {"policy.urgent_latest_hours": "8"}
    rules = snapshot_rules(snapshot)

    urgent = clocks.first_response_terms(rules, received_at=STARTS[1], is_urgent=True)
    normal = clocks.first_response_terms(rules, received_at=STARTS[1])

    assert urgent.latest_seconds == 8 * 3600
    live = clocks.first_response_terms(kendrascottes, received_at=STARTS[1])
    assert normal == live
