"""The ground truth of the demand rates (响应率, 满意率, 解决率, 退单率, 重复诉求率, 超期率, 疑似形式办结), recomputed
from the source rows a person would count, with our definitions (docs/domain.md §3):

- a ticket counts once it is clean (a planted defect that makes the row meaningless takes the ticket out, as the
  lake's quality gate does); a flow step typed with the year 2099 is an impossible date and counts as not having
  happened; every rating of a clean ticket counts, whatever its call-back phone (the phone plays no part);
- response: first contact within 24 h of the ticket's dispatch time, its first dispatch; a dispatched ticket not
  contacted yet is a failure, however recently it was dispatched;
- satisfaction and resolution: on each ticket's latest rating (the highest visit round);
- return: tickets returned at least once ÷ tickets dispatched;
- repeat: a citizen ticket whose caller, L2 class and community match a ticket created at most 30 days before it
  (ordered by creation time, then ticket id) ÷ citizen tickets;
- overdue: tickets due by the data's clock that closed after their due time or are still open past it ÷ those due;
- suspected formal closure: a close followed within 7 days by a reopening or by a rating of "unresolved".
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

SATISFIED = ("非常满意", "满意", "基本满意")
RESPONSE_WINDOW = timedelta(hours=24)
REPEAT_WINDOW = timedelta(days=30)
FORMAL_CLOSURE_WINDOW = timedelta(days=7)


def _share(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def demand_rates(tickets: pl.DataFrame, flows: pl.DataFrame, ratings: pl.DataFrame, as_of: datetime
                 ) -> dict[str, float]:
    """TICKETS: the clean tickets (ticket_id, self_collected, category_code, community_code, caller_phone,
    created_at, dispatched_at, due_at, closed_at); FLOWS and RATINGS as the source holds them (flows with their
    future_typo marker); AS_OF: the data's clock (the latest update of a clean ticket)."""
    ids = tickets.select("ticket_id")
    steps = flows.filter(~pl.col("future_typo")).join(ids, on="ticket_id", how="semi")
    rated = ratings.join(ids, on="ticket_id", how="semi")

    first_contact = steps.filter(pl.col("step") == "first_contact").group_by("ticket_id").agg(
        pl.col("step_at").min().alias("first_contact_at"))
    dispatched = tickets.filter(pl.col("dispatched_at").is_not_null()).join(first_contact, on="ticket_id", how="left")
    responded = dispatched.filter(
        pl.col("first_contact_at").is_not_null()
        & (pl.col("first_contact_at") <= pl.col("dispatched_at") + RESPONSE_WINDOW)).height
    returned = steps.filter(pl.col("step") == "return")["ticket_id"].n_unique()

    latest = rated.sort("ticket_id", "visit_round").group_by("ticket_id").last()
    satisfied = latest.filter(pl.col("satisfaction").is_in(SATISFIED)).height
    resolved = latest.filter(pl.col("resolved").fill_null(False)).height

    citizen = tickets.filter(~pl.col("self_collected"))
    groups = ["caller_phone", "l2_code", "community_code"]
    repeats = tickets.filter(pl.col("caller_phone").is_not_null()).with_columns(
        pl.col("category_code").str.slice(0, 4).alias("l2_code")).sort(*groups, "created_at", "ticket_id").with_columns(
        pl.col("created_at").shift(1).over(groups).alias("previous_created_at")).filter(
        pl.col("previous_created_at") >= pl.col("created_at") - REPEAT_WINDOW).height

    due = tickets.filter(pl.col("due_at") <= as_of)
    overdue = due.filter(
        (pl.col("closed_at").is_not_null() & (pl.col("closed_at") > pl.col("due_at")))
        | (pl.col("closed_at").is_null() & (pl.col("due_at") < as_of))).height

    closes = steps.filter(pl.col("step") == "close").select("ticket_id", pl.col("step_at").alias("closed_at"))
    reopens = steps.filter(pl.col("step") == "reopen").select("ticket_id", pl.col("step_at").alias("after_at"))
    unresolved = rated.filter(~pl.col("resolved")).select(  # a rating without an answer (null) is not "unresolved"
        "ticket_id", pl.col("rated_at").alias("after_at"))
    evidence = pl.concat([reopens, unresolved]).join(closes, on="ticket_id").filter(
        (pl.col("after_at") >= pl.col("closed_at"))
        & (pl.col("after_at") <= pl.col("closed_at") + FORMAL_CLOSURE_WINDOW))

    return {
        "demand.response_rate": _share(responded, dispatched.height),
        "demand.satisfaction_rate": _share(satisfied, latest.height),
        "demand.resolution_rate": _share(resolved, latest.height),
        "demand.return_rate": _share(returned, dispatched.height),
        "demand.repeat_rate": _share(repeats, citizen.height),
        "demand.overdue_rate": _share(overdue, due.height),
        "demand.suspected_formal_closures": evidence["ticket_id"].n_unique(),
    }
