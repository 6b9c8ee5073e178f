"""Report figures per brand and period: how the brand kept its promises.

Plain functions returning plain data (JSON-ready), so the admin charts, the CSV download and
`manage.py sla_report` show the same numbers computed once, here.

The period is a range of the brand's local dates, both ends included: a ticket belongs to the
day on which it arrived in the brand's time zone, as the customer and the team see it.
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, Subquery

from brands.calendars import clock_open_seconds
from brands.models import Brand
from helpdesk.models import Feedback, Message, SlaClock, SlaEvent, Ticket

# A report covers at most this many days: a year fits a chart and stays quick to compute.
MAX_PERIOD_DAYS = 366
RATINGS = (1, 2, 3, 4, 5)
CLOCK_ORDER = [kind for kind, _label in SlaClock.Kind.choices]


@dataclass(frozen=True)
class ReportPeriod:
    since: date
    until: date  # inclusive

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ValueError("The end of the period is before its start.")
        if (self.until - self.since).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(f"A report covers at most {MAX_PERIOD_DAYS} days.")

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """The period as instants: the brand's local midnight of `since` up to (not including)
        the local midnight after `until`."""
        zone = ZoneInfo(time_zone)
        start = datetime.combine(self.since, time(0), tzinfo=zone)
        end = datetime.combine(self.until + timedelta(days=1), time(0), tzinfo=zone)
        return start, end

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]


def percentile(values: list[float], share: float) -> float | None:
    """The `share` percentile by linear interpolation between the closest ranks (the method
    spreadsheets call PERCENTILE.INC): the median of 1, 2, 3, 4 is 2.5."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def brand_report(brand: Brand, period: ReportPeriod) -> dict[str, Any]:
    """Every figure of the brand's report for `period`."""
    start, end = period.bounds(brand.time_zone)
    zone = ZoneInfo(brand.time_zone)
    tickets = Ticket.objects.filter(brand=brand)
    opened = list(
        tickets.filter(received_at__gte=start, received_at__lt=end).values(
            "pk", "received_at", "first_responded_at"
        )
    )
    resolved_at = list(
        tickets.filter(resolved_at__gte=start, resolved_at__lt=end).values_list(
            "resolved_at", flat=True
        )
    )
    opened_per_day = Counter(row["received_at"].astimezone(zone).date() for row in opened)
    resolved_per_day = Counter(moment.astimezone(zone).date() for moment in resolved_at)
    return {
        "brand": brand.slug,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "time_zone": brand.time_zone,
        "tickets": {"opened": len(opened), "resolved": len(resolved_at)},
        "daily": [
            {
                "date": day.isoformat(),
                "opened": opened_per_day.get(day, 0),
                "resolved": resolved_per_day.get(day, 0),
            }
            for day in period.days()
        ],
        "first_response": _first_response(brand, opened),
        "next_reply": _next_reply(brand, start, end),
        "breaches": _breaches(brand, start, end),
        "first_contact_resolution": _first_contact_resolution(brand, start, end),
        "satisfaction": _satisfaction(brand, start, end),
    }


def _first_response(brand: Brand, opened: list[dict]) -> dict[str, Any]:
    """First replies to the tickets opened in the period.

    Times are business hours from receipt to the first agent reply, by the brand's calendar
    (the same engine as the clocks). "Within target/latest" compares the reply with the due
    instants of the ticket's first first-response clock, which already hold every extension
    (urgency, language, peak period) and every pause on the customer.
    """
    answered = [row for row in opened if row["first_responded_at"] is not None]
    seconds = [
        clock_open_seconds(
            brand, SlaClock.Mode.BUSINESS, row["received_at"], row["first_responded_at"]
        )
        for row in answered
    ]
    first_clocks: dict[int, tuple[datetime, datetime]] = {}
    for ticket_id, target_at, latest_at in (
        SlaClock.objects.filter(
            ticket_id__in=[row["pk"] for row in answered], kind=SlaClock.Kind.FIRST_RESPONSE
        )
        .order_by("ticket_id", "started_at", "id")
        .values_list("ticket_id", "target_at", "latest_at")
    ):
        first_clocks.setdefault(ticket_id, (target_at, latest_at))
    measured = [row for row in answered if row["pk"] in first_clocks]
    within_target = sum(row["first_responded_at"] <= first_clocks[row["pk"]][0] for row in measured)
    within_latest = sum(row["first_responded_at"] <= first_clocks[row["pk"]][1] for row in measured)
    return {
        "answered": len(answered),
        "unanswered": len(opened) - len(answered),
        "median_business_hours": _hours(percentile(seconds, 0.5)),
        "p90_business_hours": _hours(percentile(seconds, 0.9)),
        "measured": len(measured),
        "within_target": within_target,
        "within_latest": within_latest,
        "within_target_share": _ratio(within_target, len(measured)),
        "within_latest_share": _ratio(within_latest, len(measured)),
    }


def _next_reply(brand: Brand, start: datetime, end: datetime) -> dict[str, Any]:
    """Our answers to the customer's later messages: the next-reply clocks started in the
    period, each answered by the first agent reply at or after its start.

    Measured as the first response is: business hours from the customer's message to that
    reply, and the reply against the clock's own due instants (extensions and pauses held).
    """
    answer = Message.objects.filter(
        ticket=OuterRef("ticket"),
        kind=Message.Kind.OUTBOUND,
        author__isnull=False,
        created_at__gte=OuterRef("started_at"),
    ).order_by("created_at", "id")
    rows = list(
        SlaClock.objects.filter(
            ticket__brand=brand,
            kind=SlaClock.Kind.NEXT_REPLY,
            started_at__gte=start,
            started_at__lt=end,
        )
        .annotate(answered_at=Subquery(answer.values("created_at")[:1]))
        .values_list("started_at", "target_at", "latest_at", "answered_at")
    )
    answered = [row for row in rows if row[3] is not None]
    seconds = [
        clock_open_seconds(brand, SlaClock.Mode.BUSINESS, started_at, answered_at)
        for started_at, _target, _latest, answered_at in answered
    ]
    within_target = sum(answered_at <= target for _s, target, _l, answered_at in answered)
    within_latest = sum(answered_at <= latest for _s, _t, latest, answered_at in answered)
    return {
        "started": len(rows),
        "answered": len(answered),
        "unanswered": len(rows) - len(answered),
        "median_business_hours": _hours(percentile(seconds, 0.5)),
        "within_target": within_target,
        "within_latest": within_latest,
        "within_target_share": _ratio(within_target, len(answered)),
        "within_latest_share": _ratio(within_latest, len(answered)),
    }


def _breaches(brand: Brand, start: datetime, end: datetime) -> dict[str, Any]:
    """Breaches whose due instant fell in the period, by clock kind and by the ticket's tier
    when the breach fired."""
    rows = (
        SlaEvent.objects.filter(
            ticket__brand=brand, kind=SlaEvent.Kind.BREACH, due_at__gte=start, due_at__lt=end
        )
        .values("clock__kind", "tier")
        .annotate(count=Count("pk"))
    )
    by_clock = sorted(
        (
            {
                "clock": row["clock__kind"],
                "label": SlaClock.Kind(row["clock__kind"]).label,
                "tier": row["tier"],
                "count": row["count"],
            }
            for row in rows
        ),
        key=lambda row: (CLOCK_ORDER.index(row["clock"]), row["tier"]),
    )
    return {"total": sum(row["count"] for row in by_clock), "by_clock_and_tier": by_clock}


def _first_contact_resolution(brand: Brand, start: datetime, end: datetime) -> dict[str, Any]:
    """Of the tickets resolved in the period, the share resolved with exactly one agent reply
    (automatic mail, such as acknowledgements and status notices, has no author)."""
    agent_reply = Q(messages__kind=Message.Kind.OUTBOUND, messages__author__isnull=False)
    replies = (
        Ticket.objects.filter(brand=brand, resolved_at__gte=start, resolved_at__lt=end)
        .annotate(agent_replies=Count("messages", filter=agent_reply))
        .values_list("agent_replies", flat=True)
    )
    replies = list(replies)
    one = sum(count == 1 for count in replies)
    return {
        "resolved": len(replies),
        "with_one_agent_reply": one,
        "rate": _ratio(one, len(replies)),
    }


def _satisfaction(brand: Brand, start: datetime, end: datetime) -> dict[str, Any]:
    """Ratings given in the period."""
    ratings = list(
        Feedback.objects.filter(
            ticket__brand=brand, created_at__gte=start, created_at__lt=end
        ).values_list("rating", flat=True)
    )
    counted = Counter(ratings)
    return {
        "responses": len(ratings),
        "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "distribution": {str(rating): counted.get(rating, 0) for rating in RATINGS},
    }


CSV_HEADER = ["brand", "since", "until", "metric", "breakdown", "value"]


def report_csv_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The report as rows of (brand, since, until, metric, breakdown, value), header first.

    Missing values (no tickets to measure) are empty cells, not zeros.
    """
    first = report["first_response"]
    following = report["next_reply"]
    fcr = report["first_contact_resolution"]
    satisfaction = report["satisfaction"]
    rows: list[tuple[str, str, Any]] = [
        ("tickets_opened", "", report["tickets"]["opened"]),
        ("tickets_resolved", "", report["tickets"]["resolved"]),
        ("first_response_answered", "", first["answered"]),
        ("first_response_unanswered", "", first["unanswered"]),
        ("first_response_median_business_hours", "", first["median_business_hours"]),
        ("first_response_p90_business_hours", "", first["p90_business_hours"]),
        ("first_response_within_target_share", "", first["within_target_share"]),
        ("first_response_within_latest_share", "", first["within_latest_share"]),
        ("next_reply_started", "", following["started"]),
        ("next_reply_answered", "", following["answered"]),
        ("next_reply_unanswered", "", following["unanswered"]),
        ("next_reply_median_business_hours", "", following["median_business_hours"]),
        ("next_reply_within_target_share", "", following["within_target_share"]),
        ("next_reply_within_latest_share", "", following["within_latest_share"]),
        ("breaches", "total", report["breaches"]["total"]),
        *(
            ("breaches", f"{row['clock']} tier {row['tier']}", row["count"])
            for row in report["breaches"]["by_clock_and_tier"]
        ),
        ("first_contact_resolution_rate", "", fcr["rate"]),
        ("first_contact_resolution_resolved", "", fcr["resolved"]),
        ("first_contact_resolution_with_one_agent_reply", "", fcr["with_one_agent_reply"]),
        ("satisfaction_responses", "", satisfaction["responses"]),
        ("satisfaction_average", "", satisfaction["average"]),
        *(
            ("satisfaction_ratings", f"{rating} stars", count)
            for rating, count in satisfaction["distribution"].items()
        ),
        *(("opened_per_day", day["date"], day["opened"]) for day in report["daily"]),
        *(("resolved_per_day", day["date"], day["resolved"]) for day in report["daily"]),
    ]
    head = [report["brand"], report["since"], report["until"]]
    return [
        CSV_HEADER,
        *(
            [*head, metric, breakdown, "" if value is None else value]
            for metric, breakdown, value in rows
        ),
    ]
