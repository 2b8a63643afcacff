"""The life of a 民意速办 ticket: dispatch, returns, handling against its time limit, follow-up visits and ratings,
reopenings, overdue-risk warnings and supervision — for every ticket of the year at once.

All times are seconds since 2024-01-01 00:00 (int64); -1 means "never happens". Shenzhen practice as modelled here:
dispatch within hours; a wrongly addressed ticket is returned (退单) and re-dispatched; the citizen is contacted within
24 h; the handling time limit (SLA, by category) runs from the final dispatch and may be extended once (延期, doubling
it); citizen tickets get a follow-up visit (回访) with a 5-level rating, and an unsatisfied rating reopens the ticket
(重办) with a fresh time limit. An overdue-risk warning (临期预警) fires when a ticket is still open 12 h before its due
time, an overdue warning (超期预警) when it passes it; the command centre supervises (督办) many warned tickets. Almost
every warned ticket still closes in time: warned is not late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

H = 3600
DAY = 86400
WARN_BEFORE_DUE = 12 * H

# rates (do not scale); P_NEAR_DUE and P_LATE set the warning count (~3,150 at scale 1.0: 3100余) and the on-time rate
P_RETURN = 0.04
P_EXTEND = 0.03
P_NEAR_DUE = 0.00237
P_LATE = 0.0003
P_RATED = 0.9
P_SUPERVISE_WARNED = 0.6
SATISFACTION = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
SATISFACTION_P_FIRST = [0.62, 0.24, 0.09, 0.035, 0.015]  # 5% unsatisfied → reopened
SATISFACTION_P_SECOND = [0.40, 0.30, 0.18, 0.09, 0.03]
COMMAND_CENTRE = "区民意速办中心"  # illustrative name of the district's dispatch and supervision centre

STEP_ORDER = {"dispatch": 0, "return": 1, "accept": 2, "first_contact": 3, "extend": 4, "supervise": 5, "close": 6,
              "visit": 7, "reopen": 8}


@dataclass
class Timeline:
    """Per-ticket event times (arrays aligned with the tickets) and the derived event tables."""

    times: dict[str, np.ndarray]  # dispatched, redispatched, due1, closed1, reopened, due2, closed2, visited1 …
    returned_dept: np.ndarray  # the department that returned the ticket (None if not returned)
    flows: pl.DataFrame  # idx, step, step_s, department, note
    ratings: pl.DataFrame  # idx, visit_round, rated_s, satisfaction, resolved, comment, visit_method
    warnings: pl.DataFrame  # idx, rule_code, rule_name, level, raised_s, handled_s


def strings(values: np.ndarray) -> pl.Series:
    """An object array of str/None as a polars String column (polars cannot cast numpy objects)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _u(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n)


def _handling(rng: np.random.Generator, start: np.ndarray, due: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Close times against DUE: most well before the warning threshold, a few near due, very few late."""
    lo = start + 600
    hi = np.maximum(due - WARN_BEFORE_DUE - 600, lo + 600)
    normal = lo + (rng.beta(1.5, 3.5, n) * (hi - lo)).astype(np.int64)
    near = due - (_u(rng, 0.1, 11.9, n) * H).astype(np.int64)
    late = due + (_u(rng, 1, 72, n) * H).astype(np.int64)
    # exactly round(n × P) near-due and late closures: the warning count is drawn as a total, not summed from coins
    kind = np.zeros(n, dtype=np.int64)
    pick = rng.permutation(n)
    n_late, n_near = round(P_LATE * n), round(P_NEAR_DUE * n)
    kind[pick[:n_late]] = 2
    kind[pick[n_late:n_late + n_near]] = 1
    closed = np.choose(kind, [normal, np.maximum(near, lo), late])
    return closed.astype(np.int64), kind


def timeline(rng: np.random.Generator, created: np.ndarray, sla_s: np.ndarray, citizen: np.ndarray,
             department: np.ndarray, departments: list[str]) -> Timeline:
    n = created.size
    sla_h = sla_s / H
    d1 = created + (np.where(citizen, _u(rng, 0.1, 2, n), _u(rng, 0.05, 1, n)) * H).astype(np.int64)
    returned = rng.random(n) < P_RETURN
    ret_at = np.where(returned, d1 + (_u(rng, 0.5, 8, n) * H).astype(np.int64), -1)
    d2 = np.where(returned, ret_at + (_u(rng, 0.2, 3, n) * H).astype(np.int64), -1)
    dfinal = np.where(returned, d2, d1)
    dept_arr = np.array(departments, dtype=object)
    wrong = rng.integers(0, len(departments), n)
    returned_dept = dept_arr[wrong]
    returned_dept = np.where(returned_dept == department, dept_arr[(wrong + 1) % len(departments)], returned_dept)
    returned_dept = np.where(returned, returned_dept, None)

    accept = dfinal + (_u(rng, 0.1, 1, n) * np.minimum(3, 0.1 * sla_h) * H).astype(np.int64)
    contact = accept + (_u(rng, 0.2, 1, n) * np.minimum(20, 0.2 * sla_h) * H).astype(np.int64)
    extended = rng.random(n) < P_EXTEND
    due1 = dfinal + sla_s * np.where(extended, 2, 1)
    closed1, kind1 = _handling(rng, contact, due1, n)
    extend_at = np.where(extended, contact + (_u(rng, 0.2, 0.8, n) * (closed1 - contact)).astype(np.int64), -1)

    # follow-up visit and rating (citizen tickets); an unsatisfied rating reopens the ticket once
    visited1 = np.where(citizen, closed1 + (_u(rng, 2, 72, n) * H).astype(np.int64), -1)
    rated1 = citizen & (rng.random(n) < P_RATED)
    sat1 = rng.choice(5, n, p=SATISFACTION_P_FIRST)
    reopen = rated1 & (sat1 >= 3)
    reopened = np.where(reopen, visited1 + (_u(rng, 1, 24, n) * H).astype(np.int64), -1)
    due2 = np.where(reopen, reopened + sla_s, -1)
    accept2 = reopened + (_u(rng, 0.1, 1, n) * np.minimum(3, 0.1 * sla_h) * H).astype(np.int64)
    closed2, kind2 = _handling(rng, accept2, np.where(reopen, due2, due1), n)
    closed2 = np.where(reopen, closed2, -1)
    visited2 = np.where(reopen, closed2 + (_u(rng, 2, 72, n) * H).astype(np.int64), -1)
    rated2 = reopen & (rng.random(n) < P_RATED)
    sat2 = rng.choice(5, n, p=SATISFACTION_P_SECOND)

    warnings = _warnings(rng, [(due1, closed1, kind1 > 0), (due2, closed2, reopen & (kind2 > 0))])
    ratings = _ratings(rng, [(visited1, rated1, sat1, 1), (visited2, rated2, sat2, 2)])
    idx = np.arange(n)
    first_dept = np.where(returned, returned_dept, department)
    sat_text = np.array(SATISFACTION, dtype=object)
    visit_note1 = np.where(rated1, "回访评价：" + sat_text[sat1], "回访未接通或拒绝评价")
    visit_note2 = np.where(rated2, "回访评价：" + sat_text[sat2], "回访未接通或拒绝评价")
    step_frames = [
        _steps("dispatch", idx, d1, first_dept, "派单至" + first_dept),
        _steps("return", idx[returned], ret_at[returned], returned_dept[returned], "非本单位职责，申请退回"),
        _steps("dispatch", idx[returned], d2[returned], department[returned], "退单后改派至" + department[returned]),
        _steps("accept", idx, accept, department, "已签收"),
        _steps("first_contact", idx, contact, department, np.where(citizen, "已联系诉求人", "已到场核实")),
        _steps("extend", idx[extended], extend_at[extended], department[extended], "涉及多部门协调，申请延期"),
        _steps("close", idx, closed1, department, "已办结"),
        _steps("visit", idx[citizen], visited1[citizen], COMMAND_CENTRE, visit_note1[citizen]),
        _steps("reopen", idx[reopen], reopened[reopen], COMMAND_CENTRE, "回访不满意，重办"),
        _steps("accept", idx[reopen], accept2[reopen], department[reopen], "重办件已签收"),
        _steps("close", idx[reopen], closed2[reopen], department[reopen], "重办已办结"),
        _steps("visit", idx[reopen], visited2[reopen], COMMAND_CENTRE, visit_note2[reopen]),
        _supervision(rng, warnings, closed1, closed2, reopened),
    ]
    flows = pl.concat(step_frames, how="vertical_relaxed")
    times = {"dispatched": d1, "redispatched": d2, "due1": due1, "closed1": closed1, "reopened": reopened,
             "due2": due2, "closed2": closed2, "visited1": visited1}
    return Timeline(times, returned_dept, flows, ratings, warnings)


def _steps(step: str, idx: np.ndarray, at: np.ndarray, department: np.ndarray | str,
           note: np.ndarray | str) -> pl.DataFrame:
    def column(name: str, value: np.ndarray | str) -> pl.Series:
        # few distinct values: categorical keeps millions of flow rows small
        if isinstance(value, np.ndarray):
            values, codes = np.unique(value.astype(str), return_inverse=True)
            return pl.Series(values.tolist(), dtype=pl.String).gather(codes).cast(pl.Categorical).alias(name)
        return pl.repeat(value, idx.size, eager=True, dtype=pl.String).cast(pl.Categorical).alias(name)

    return pl.DataFrame([pl.Series("idx", idx.astype(np.int64)), column("step", step),
                         pl.Series("step_s", at.astype(np.int64)), column("department", department),
                         column("note", note)])


def _warnings(rng: np.random.Generator, rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pl.DataFrame:
    frames = []
    for due, closed, near in rounds:
        idx = np.flatnonzero(near)
        late = closed[idx] > due[idx]
        frames.append(pl.DataFrame({"idx": idx, "rule_code": "OVERDUE_RISK_12H",
                                    "rule_name": "临期预警：距办结时限不足12小时",
                                    "level": "黄色", "raised_s": due[idx] - WARN_BEFORE_DUE, "handled_s": closed[idx]}))
        frames.append(pl.DataFrame({"idx": idx[late], "rule_code": "OVERDUE", "rule_name": "超期预警：已超过办结时限",
                                    "level": "红色", "raised_s": due[idx][late], "handled_s": closed[idx][late]}))
    return pl.concat(frames).sort("raised_s", "idx", "rule_code")


def _supervision(rng: np.random.Generator, warnings: pl.DataFrame, closed1: np.ndarray, closed2: np.ndarray,
                 reopened: np.ndarray) -> pl.DataFrame:
    """督办 on a share of warned tickets, between the warning and the close; and on some reopened tickets."""
    w = warnings.filter(pl.Series(rng.random(warnings.height) < P_SUPERVISE_WARNED))
    raised = w["raised_s"].to_numpy()
    handled = w["handled_s"].to_numpy()
    at = raised + (_u(rng, 0.05, 0.9, w.height) * (handled - raised)).astype(np.int64)
    note = np.where(w["rule_code"].to_numpy() == "OVERDUE", "超期督办：请立即办结并说明原因",
                    "临期督办：请于时限内办结")
    sup = _steps("supervise", w["idx"].to_numpy(), at, COMMAND_CENTRE, note)
    rw = np.flatnonzero((reopened >= 0) & (rng.random(reopened.size) < 0.3))
    at2 = reopened[rw] + (_u(rng, 0.05, 0.5, rw.size) * (closed2[rw] - reopened[rw])).astype(np.int64)
    return pl.concat([sup, _steps("supervise", rw, at2, COMMAND_CENTRE, "重办件督办：请务必实质解决")])


def _ratings(rng: np.random.Generator, rounds: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]) -> pl.DataFrame:
    frames = []
    comments_bad = np.array(["问题没有解决，只是打电话敷衍", "工作人员没有到现场", "处理结果不满意",
                             "回复内容与实际不符",
                             "说是办结了但问题依旧"], dtype=object)
    comments_good = np.array(["处理及时，态度很好", "问题已解决，谢谢", "工作人员很负责", None, None, None, None],
                             dtype=object)
    for visited, rated, sat, round_no in rounds:
        idx = np.flatnonzero(rated)
        s = sat[idx]
        m = idx.size
        unresolved = np.where(s >= 3, rng.random(m) < 0.7, np.where(s == 2, rng.random(m) < 0.05, False))
        comment = np.where(s >= 3, comments_bad[rng.integers(0, comments_bad.size, m)],
                           comments_good[rng.integers(0, comments_good.size, m)])
        frames.append(pl.DataFrame({
            "idx": idx, "visit_round": np.full(m, round_no), "rated_s": visited[idx],
            "satisfaction": np.array(SATISFACTION, dtype=object)[s], "resolved": ~unresolved,
            "comment": strings(comment),
            "visit_method": np.where(rng.random(m) < 0.8, "电话回访", "短信回访"),
        }, strict=False))
    return pl.concat(frames)
