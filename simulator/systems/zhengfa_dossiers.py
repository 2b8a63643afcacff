"""S6 — 跨部门大数据平台: electronic criminal-case dossiers as the inter-agency exchange delivers them.

The exchange (政法跨部门办案平台) sends a dossier message at every hand-over: police → procuratorate when the case is
transferred for prosecution (移送审查起诉, the moment the e-dossier exists), procuratorate → court at indictment (or the
non-prosecution decision), court → procuratorate and police at the first-instance judgment. Each message carries the
whole dossier as it then stands (version n): case numbers as each agency writes them (深龙公(刑)立字〔2024〕…号,
深龙检刑诉〔2024〕…号, (2024)粤0309刑初…号), stages with timestamps, charges, suspects (names, citizen IDs —
personal data), and the documents with their page counts. We receive them as JSON lines, one file per day
(`dossiers/YYYY-MM-DD.jsonl`, by delivery time).

Mess (recorded in the ground truth): a message delivered twice (`duplicate`, key `file:line` of the second copy); a
corrected re-issue days later (`late_correction`, a new version whose `corrects` names the message it replaces — the
newest version of a dossier wins); and dossiers with a suspect ID whose check digit is wrong (`invalid_id`), no
charge (`missing_required`) or a stage dated after the extraction (`future_timestamp`), keyed by dossier_id.
The 13,000 e-dossiers of 2024 are the clean dossiers transferred in 2024.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta

import numpy as np

from simulator.context import SimContext
from simulator.people import citizen_ids, corrupt_id, names
from simulator.systems.zhengfa_common import SYSTEM, YEAR_START, anomaly_kinds, weekday_weights

E_DOSSIERS_2024 = 13_000
POLICE = "深圳市公安局龙华分局"
PROCURATORATE = "深圳市龙华区人民检察院"
COURT = "深圳市龙华区人民法院"
ORG_CODES = {POLICE: "440309010000", PROCURATORATE: "440309300000", COURT: "440309400000"}
CHARGES = [  # (name, article of the Criminal Law, weight)
    ("危险驾驶罪", "第一百三十三条之一", 0.20), ("盗窃罪", "第二百六十四条", 0.16), ("诈骗罪", "第二百六十六条", 0.10),
    ("帮助信息网络犯罪活动罪", "第二百八十七条之二", 0.14), ("故意伤害罪", "第二百三十四条", 0.06),
    ("开设赌场罪", "第三百零三条", 0.05), ("寻衅滋事罪", "第二百九十三条", 0.04),
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", "第三百一十二条", 0.07), ("妨害信用卡管理罪", "第一百七十七条之一", 0.04),
    ("贩卖毒品罪", "第三百四十七条", 0.04), ("容留他人吸毒罪", "第三百五十四条", 0.03),
    ("交通肇事罪", "第一百三十三条", 0.03),
    ("非法吸收公众存款罪", "第一百七十六条", 0.02), ("拒不支付劳动报酬罪", "第二百七十六条之一", 0.02),
]
MEASURES = (["取保候审", "逮捕", "监视居住", "刑事拘留"], [0.55, 0.35, 0.05, 0.05])
POLICE_DOCS = [("受案登记表", 1, 2), ("立案决定书", 1, 2), ("拘留证", 1, 2), ("讯问笔录", 3, 14), ("询问笔录", 2, 10),
               ("鉴定意见书", 2, 12), ("扣押清单", 1, 4), ("起诉意见书", 2, 6)]
PROC_DOCS = [("认罪认罚具结书", 2, 3), ("量刑建议书", 1, 3), ("起诉书", 3, 8)]
COURT_DOCS = [("受理案件通知书", 1, 1), ("庭审笔录", 4, 20), ("刑事判决书", 4, 16)]


def _at(day: int, r: random.Random) -> datetime:
    """A working-hours instant on DAY (days since 2024-01-01)."""
    return YEAR_START + timedelta(days=int(day), seconds=r.randrange(9 * 3600, 18 * 3600))


def _after(prev: datetime, day: int, r: random.Random) -> datetime:
    """An instant on DAY, but after PREV when both fall on the same day (a stage follows the previous one)."""
    at = _at(day, r)
    return at if at > prev else prev + timedelta(minutes=r.randrange(10, 240))


def _docs(r: random.Random, spec: list[tuple[str, int, int]], at: datetime, dossier_id: str,
          start: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name, lo, hi in spec:
        copies = r.randint(1, 3) if name in ("讯问笔录", "询问笔录") else 1
        for _ in range(copies):
            created = at - timedelta(days=r.randrange(5), minutes=r.randrange(600))
            out.append({"doc_id": f"{dossier_id}-{start + len(out) + 1:03d}", "type": name,
                        "pages": r.randint(lo, hi), "format": "PDF", "created_at": f"{created:%Y-%m-%d %H:%M:%S}"})
    return out


def _numbers(rng: np.random.Generator, order: np.ndarray) -> np.ndarray:
    """Serial numbers in ORDER with gaps (the agency numbers cases we do not see too)."""
    seq = np.empty(len(order), dtype=np.int64)
    seq[order] = np.cumsum(rng.integers(1, 4, len(order)))
    return seq


def _plan(ctx: SimContext, n: int) -> dict[str, np.ndarray]:
    rng = ctx.rng("zhengfa.dossier_plan")
    transfer = rng.choice(366, n, p=weekday_weights(366, 0.15))
    filed = transfer - rng.integers(20, 240, n)
    accepted = transfer + rng.integers(0, 3, n)
    outcome = rng.choice(3, n, p=[0.84, 0.08, 0.08])  # 0 indicted, 1 not prosecuted, 2 back to police first
    supplementary = outcome == 2
    decided = accepted + rng.integers(10, 45, n) + np.where(supplementary, rng.integers(30, 60, n), 0)
    fast = rng.random(n) < 0.45  # 速裁: plea-bargained, judged within 10 days of acceptance
    court_acc = decided + rng.integers(1, 6, n)
    judged = court_acc + np.where(fast, rng.integers(3, 10, n), rng.integers(20, 90, n))
    return {"transfer": transfer, "filed": filed, "accepted": accepted, "outcome": outcome, "decided": decided,
            "court_acc": court_acc, "judged": judged, "fast": fast}


def generate_dossiers(ctx: SimContext) -> dict[str, float]:
    """Write the day files visible at ctx.as_of; record the mess; return the expected e-dossier count."""
    rng = ctx.rng("zhengfa.dossiers")
    m = ctx.mess
    kinds = anomaly_kinds(rng, ctx.scaled(E_DOSSIERS_2024), {"invalid_id": m.invalid_id,
                                                               "missing_required": m.missing_required,
                                                               "future_timestamp": m.future_timestamp})
    n = len(kinds)
    p = _plan(ctx, n)
    filed_year = np.where(p["filed"] < 0, 2023, 2024)
    police_no = _numbers(rng, np.lexsort((np.arange(n), p["filed"])))
    transfer_no = _numbers(rng, np.argsort(p["transfer"], kind="stable"))
    proc_no = _numbers(rng, np.argsort(p["decided"], kind="stable"))
    court_no = _numbers(rng, np.argsort(p["court_acc"], kind="stable"))
    # up to 3 suspects per dossier, drawn in bulk; per-dossier scalars come from a fast seeded Python stream
    people = (citizen_ids(rng, 3 * n, 1960, 2005), names(rng, 3 * n))
    r = random.Random(int(rng.integers(0, 2**63)))
    cut = ctx.as_of
    messages: list[tuple[datetime, str, dict[str, object]]] = []
    clean = visible = 0
    # every dossier is generated whatever the cut, so a later as_of sees the same dossiers plus later messages
    for i in np.argsort(p["transfer"], kind="stable"):
        kind = kinds[i]
        dossier_id = f"DZJZ4403092024{i + 1:06d}"
        msgs = _dossier_messages(r, ctx, i, dossier_id, kind, p, people, (filed_year[i], police_no[i],
                                                                           transfer_no[i], proc_no[i], court_no[i]))
        if msgs[0][0] > cut:
            continue
        visible += 1
        for sent, msg_id, msg, corrects in msgs:
            if sent <= cut:
                messages.append((sent, msg_id, msg))
                if corrects:
                    ctx.truth.anomaly(SYSTEM, "dossier_message", msg_id, "late_correction")
        if kind is None:
            clean += 1
        else:
            ctx.truth.anomaly(SYSTEM, "dossier", dossier_id, str(kind))
    _write_days(ctx, messages)
    ctx.truth.count(SYSTEM, "dossier", visible)
    return {"zhengfa.e_dossiers": clean}


def _dossier_messages(r: random.Random, ctx: SimContext, i: int, dossier_id: str, kind: object,
                      p: dict[str, np.ndarray], people: tuple[list[str], list[str]],
                      nos: tuple[int, int, int, int, int]) -> list[tuple[datetime, str, dict[str, object], bool]]:
    filed_year, police_no, transfer_no, proc_no, court_no = nos
    n_sus = r.choice([1, 1, 1, 1, 2, 2, 3])
    charge = r.choices(CHARGES, weights=[c[2] for c in CHARGES])[0]
    ids = people[0][3 * i:3 * i + n_sus]
    if kind == "invalid_id":
        ids[0] = corrupt_id(ids[0])
    sus_names = people[1][3 * i:3 * i + n_sus]
    suspects = [{"name": nm, "id_number": idn, "gender": "男" if int(idn[16]) % 2 else "女",
                 "birth_date": f"{idn[6:10]}-{idn[10:12]}-{idn[12:14]}", "role": "主犯" if k == 0 else "从犯",
                 "measure": r.choices(MEASURES[0], weights=MEASURES[1])[0],
                 "address": f"深圳市龙华区{r.choice(['民治', '龙华', '大浪', '观澜', '观湖', '福城'])}街道"}
                for k, (nm, idn) in enumerate(zip(sus_names, ids, strict=True))]
    police_case = f"深龙公(刑)立字〔{filed_year}〕{police_no:05d}号"
    case = {
        "dossier_id": dossier_id, "case_name": f"{sus_names[0][0]}某某等涉嫌{charge[0]}案" if n_sus > 1
        else f"{sus_names[0][0]}某某涉嫌{charge[0]}案",
        "case_numbers": {"police": police_case, "transfer": f"深龙公(刑)诉字〔2024〕{transfer_no:05d}号"},
        "charges": [] if kind == "missing_required"
        else [{"name": charge[0], "article": f"《中华人民共和国刑法》{charge[1]}"}],
        "suspects": suspects, "plea_leniency": bool(p["fast"][i]),
    }
    filed_at, transfer_at = _at(p["filed"][i], r), _at(p["transfer"][i], r)
    stages = [{"stage": "公安立案", "agency": POLICE, "at": f"{filed_at:%Y-%m-%d %H:%M:%S}"},
              {"stage": "移送审查起诉", "agency": POLICE, "at": f"{transfer_at:%Y-%m-%d %H:%M:%S}"}]
    docs = _docs(r, POLICE_DOCS, transfer_at, dossier_id, 0)
    sends: list[tuple[datetime, str, str, str, str]] = [
        (transfer_at, "移送审查起诉", POLICE, PROCURATORATE, "审查起诉")]
    snapshots = [(list(stages), list(docs), dict(case["case_numbers"]))]  # type: ignore[arg-type]
    accepted_at = _after(transfer_at, p["accepted"][i], r)
    decided_at = _after(accepted_at, p["decided"][i], r)
    later_stages = [{"stage": "检察院受理", "agency": PROCURATORATE, "at": f"{accepted_at:%Y-%m-%d %H:%M:%S}"}]
    if p["outcome"][i] == 2:
        back = _at(p["accepted"][i] + r.randrange(10, 25), r)
        later_stages.append({"stage": "退回补充侦查", "agency": PROCURATORATE, "at": f"{back:%Y-%m-%d %H:%M:%S}"})
    if p["outcome"][i] == 1:
        later_stages.append({"stage": "不起诉", "agency": PROCURATORATE, "at": f"{decided_at:%Y-%m-%d %H:%M:%S}"})
        numbers = {**case["case_numbers"], "procuratorate": f"深龙检刑不诉〔2024〕{proc_no:05d}号"}  # type: ignore[dict-item]
        docs = docs + _docs(r, [("不起诉决定书", 2, 4)], decided_at, dossier_id, len(docs))
        sends.append((decided_at, "不起诉决定", PROCURATORATE, POLICE, "审查起诉终结"))
        snapshots.append((stages + later_stages, docs, numbers))
    else:
        later_stages.append({"stage": "提起公诉", "agency": PROCURATORATE, "at": f"{decided_at:%Y-%m-%d %H:%M:%S}"})
        numbers = {**case["case_numbers"], "procuratorate": f"深龙检刑诉〔2024〕{proc_no:05d}号"}  # type: ignore[dict-item]
        spec = PROC_DOCS if p["fast"][i] else PROC_DOCS[2:]
        docs = docs + _docs(r, spec, decided_at, dossier_id, len(docs))
        sends.append((decided_at, "提起公诉", PROCURATORATE, COURT, "一审"))
        snapshots.append((stages + later_stages, docs, numbers))
        court_at = _after(decided_at, p["court_acc"][i], r)
        judged_at = _after(court_at, p["judged"][i], r)
        year = court_at.year
        numbers = {**numbers, "court": f"({year})粤0309刑初{court_no:05d}号"}
        final_stages = stages + later_stages + [
            {"stage": "法院立案", "agency": COURT, "at": f"{court_at:%Y-%m-%d %H:%M:%S}"},
            {"stage": "一审判决", "agency": COURT, "at": f"{judged_at:%Y-%m-%d %H:%M:%S}"}]
        docs = docs + _docs(r, COURT_DOCS, judged_at, dossier_id, len(docs))
        sends.append((judged_at, "一审判决", COURT, PROCURATORATE, "判决"))
        snapshots.append((final_stages, docs, numbers))
    if kind == "future_timestamp":  # the filing date typed two years ahead, in every version
        stages[0]["at"] = f"{filed_at + timedelta(days=730):%Y-%m-%d %H:%M:%S}"
    out: list[tuple[datetime, str, dict[str, object], bool]] = []
    version = 0
    for k, ((sent, mtype, sender, receiver, stage), (stg, dcs, nums)) in enumerate(zip(sends, snapshots,
                                                                                       strict=True)):
        version += 1
        msg_id = f"JH{sent:%Y%m%d}{i + 1:06d}{k + 1:02d}"
        body = {**case, "case_numbers": nums, "current_stage": stage, "stages": stg, "documents": dcs,
                "total_pages": sum(int(d["pages"]) for d in dcs), "version": version, "corrects": None}
        out.append((sent, msg_id, _envelope(msg_id, mtype, sender, receiver, sent, body), False))
        # a late correction: the receiver found a wrong page count; the sender re-issues days later
        nxt = sends[k + 1][0] if k + 1 < len(sends) else sent + timedelta(days=30)
        correct, gap, extra = r.random() < ctx.mess.late_correction, r.random(), r.randint(1, 5)
        if correct and (nxt - sent).days > 3:
            fixed_at = sent + timedelta(days=1 + int(gap * ((nxt - sent).days - 2)), hours=1)
            wrong = json.loads(json.dumps(body["documents"]))
            wrong[-1]["pages"] = int(wrong[-1]["pages"]) + extra
            out[-1][2]["dossier"]["documents"] = wrong  # type: ignore[index]
            out[-1][2]["dossier"]["total_pages"] = sum(int(d["pages"]) for d in wrong)  # type: ignore[index]
            version += 1
            fix_id = f"JH{fixed_at:%Y%m%d}{i + 1:06d}{k + 1:02d}C"
            fixed = {**body, "version": version, "corrects": msg_id}
            out.append((fixed_at, fix_id, _envelope(fix_id, "更正", sender, receiver, fixed_at, fixed), True))
    return out


def _envelope(msg_id: str, mtype: str, sender: str, receiver: str, sent: datetime,
              body: dict[str, object]) -> dict[str, object]:
    return {"message_id": msg_id, "message_type": mtype,
            "sender": {"org": sender, "org_code": ORG_CODES[sender]},
            "receiver": {"org": receiver, "org_code": ORG_CODES[receiver]},
            "sent_at": f"{sent:%Y-%m-%d %H:%M:%S}", "dossier": body}


def _redelivered(msg_id: str, rate: float) -> bool:
    """Whether the exchange delivered this message twice: a per-message draw, the same whatever the cut."""
    u = int.from_bytes(hashlib.sha256(f"redeliver/{msg_id}".encode()).digest()[:8], "little") / 2**64
    return u < rate


def _write_days(ctx: SimContext, messages: list[tuple[datetime, str, dict[str, object]]]) -> None:
    out_dir = ctx.out / SYSTEM / "dossiers"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.jsonl")):
        old.unlink()
    by_day: dict[str, list[str]] = {}
    for sent, msg_id, msg in sorted(messages, key=lambda x: (x[0], x[1])):
        day = f"{sent:%Y-%m-%d}"
        line = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
        lines = by_day.setdefault(day, [])
        lines.append(line)
        if _redelivered(f"{ctx.seed}/{msg_id}", ctx.mess.duplicate):  # redelivered after an acknowledgement timeout
            lines.append(line)
            ctx.truth.anomaly(SYSTEM, "dossier_message", f"{day}.jsonl:{len(lines)}", "duplicate")
    for day in sorted(by_day):
        (out_dir / f"{day}.jsonl").write_text("\n".join(by_day[day]) + "\n", encoding="utf-8")
    ctx.truth.count(SYSTEM, "dossier_message", sum(len(v) for v in by_day.values()))
    ctx.truth.count(SYSTEM, "dossier_files", len(by_day))
