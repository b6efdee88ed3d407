"""Synthetic demo cases: realistic shapes, no real people.

Names are drawn from common Scottish given and family names (with accents and
apostrophes); addresses use fictional street numbers in the reserved "Example" style;
phone numbers are from Ofcom's drama range (07700 900xxx).  Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app.models.rules.dates import add_months

GIVEN = [
    "Eilidh", "Ciarán", "Màiri", "Ruairidh", "Catrìona", "Seònaid", "Iain", "Calum", "Mhairi", "Kirsty",
    "Lewis", "Ailsa", "Fionnlagh", "Siobhán", "Niamh", "Jamie", "Kyle", "Chloé", "Zoë", "Amélie",
    "Lachlan", "Isla", "Ross", "Morag", "Dòmhnall", "Peadar", "Aoife", "Shannon", "Connor", "Fraser",
    "Aleksandra", "Mateusz", "Agnieszka", "Tomás", "Bríd", "Sorcha", "Euan", "Ewan", "Darren", "Nicola",
]
FAMILY = [
    "MacAskill", "O'Neill", "Nic a' Phearsain", "MacDonald", "Campbell", "Stewart", "Robertson", "Thomson",
    "Mac an t-Saoir", "Ó Briain", "McLaughlin", "Docherty", "Nowak", "Kowalczyk", "Fraser", "Sinclair",
    "MacLeòid", "Grant", "Paterson", "Murray", "Reid", "McGregor", "Ross", "Sutherland", "Wiśniewska",
    "Dunbar", "Kerr", "Henderson", "Mackay", "D'Arcy",
]
COURTS = [
    "Paisley Sheriff Court", "Glasgow Sheriff Court", "Edinburgh Sheriff Court", "Dundee Sheriff Court",
    "Aberdeen Sheriff Court", "Inverness Sheriff Court", "Kilmarnock Sheriff Court", "Falkirk Sheriff Court",
    "Stornoway Sheriff Court", "Dumfries Sheriff Court",
]
STREETS = ["Example Street", "Sample Road", "Demo Crescent", "Specimen Place", "Placeholder Wynd", "Mock Brae"]
TOWNS = [("Paisley", "PA1"), ("Glasgow", "G40"), ("Edinburgh", "EH11"), ("Dundee", "DD4"), ("Inverness", "IV2"),
         ("Kilmarnock", "KA1"), ("Falkirk", "FK1"), ("Stornoway", "HS1")]
OFFICERS = ["Demo Officer A. Baird", "Demo Officer R. Chisholm", "Demo Officer S. Nìcolson"]
AGENCIES = ["Community Learning and Development", "Housing Options", "Jobcentre Plus", "Addiction Recovery Service",
            "Women's Aid (example)", "Citizens Advice (example)", "Community Mental Health Team"]

GOAL_TEMPLATES: list[tuple[str, str, str]] = [
    ("accommodation", "Move from temporary accommodation into a settled tenancy", "Tenancy agreement signed"),
    ("employment_and_learning", "Complete a forklift licence course", "Certificate gained"),
    ("finances_and_benefits", "Clear rent arrears with a repayment plan", "Arrears below £200"),
    ("relationships_and_family", "Rebuild contact with children through agreed arrangements", "Fortnightly contact kept"),
    ("health_and_wellbeing", "Register with a GP and attend a health check", "Appointment attended"),
    ("substance_use", "Reduce drinking to within low-risk guidelines", "Drinking diary shows 14 units or fewer"),
    ("attitudes_and_thinking", "Complete the Moving Forward Making Changes modules", "Modules completed"),
    ("victim_awareness", "Complete victim awareness sessions", "Four sessions attended"),
    ("leisure", "Join the five-a-side football group on Thursdays", "Attends at least 3 times a month"),
]
ORDINARY_NOTES = [
    "Home visit: discussed progress with the plan; appointments kept.",
    "Office appointment: reviewed unpaid work attendance and upcoming placements.",
    "Phone call: rearranged Thursday appointment because of a medical appointment.",
    "Discussed housing options and agreed to attend the next interview.",
    "Good engagement today; talked through budgeting and the rent arrears plan.",
    "Unpaid work supervisor reports good attitude on the community garden placement.",
    "Liaised with Jobcentre Plus about a work coach appointment.",
]
RESTRICTED_NOTES = [
    ("Partner (named in file) reported by phone that she is worried about contact at weekends.", "Partner"),
    ("Caledonian System worker advised the victim safety plan is being reviewed; do not discuss with him.",
     "Caledonian System worker"),
    ("School guidance teacher shared concerns about the eldest child; child protection referral considered.",
     "School (guidance teacher)"),
    ("Sister told me in confidence that he has been drinking heavily again.", "Sister"),
    ("Police concern hub shared a domestic incident report from last month.", "Police Scotland (example)"),
]


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


INTENSITY_WEEKS = {"high": 4, "medium": 8, "low": 12}


def _demo_reviews(rng: random.Random, case: dict[str, Any], goals: list[dict[str, Any]], imposed: dt.date,
                  until: dt.date, has_upw: bool) -> list[dict[str, Any]]:
    """Plan reviews at the case's intensity interval and departmental reviews at 3 and 6
    months then six-monthly, nearly all on time; now and then one slips."""
    interval = dt.timedelta(weeks=INTENSITY_WEEKS.get(case.get("supervision_intensity", "medium"), 8))
    attendees = [f"{case['individual']['given_names']} {case['individual']['family_name']}",
                 case["order"]["responsible_officer"]]
    if has_upw:
        attendees.append("Unpaid work supervisor (demo)")
    events: list[tuple[dt.date, str]] = []
    due = imposed + interval
    while due < until - dt.timedelta(days=3):
        if rng.random() < 0.06:  # a missed review: the chain stops and the next one is overdue
            break
        events.append((_weekday_on_or_after(due - dt.timedelta(days=rng.randint(0, 4))), "scheduled"))
        due = events[-1][0] + interval
    months = 3
    while True:
        ddue = add_months(imposed, months)
        if ddue >= until - dt.timedelta(days=3):
            break
        if rng.random() > 0.05:
            events.append((_weekday_on_or_after(ddue - dt.timedelta(days=rng.randint(3, 10))), "departmental"))
        months = 6 if months == 3 else months + 6
    events.sort()
    reviews = []
    for held, kind in events:
        ratings = ["no_progress", "some_progress", "some_progress", "good_progress", "achieved"]
        review: dict[str, Any] = {
            "held_on": held.isoformat(),
            "kind": kind,
            "attendees": attendees + (["Team manager (demo)"] if kind == "departmental" else []),
            "upw_liaison_done": has_upw,
            "summary": "Review of the case management plan with the person.",
            "compliance": rng.choice(["Attending as required.", "One missed appointment, explained.",
                                      "Full compliance this period."]),
            "positive_developments": rng.choice(["Kept every appointment this period.",
                                                 "Started a college course.", "Moved into settled housing."]),
            "goal_progress": [{"goal_id": g["id"], "rating": rng.choice(ratings), "sensitivity": "ordinary"}
                              for g in goals[:2]],
        }
        if rng.random() < 0.15:
            review["autonomy_changes"] = "Appointments reduced to fortnightly."
        if rng.random() < 0.1:
            review["restricted_notes"] = "Victim safety plan discussed with the Caledonian System worker."
        if kind == "scheduled":
            review["next_review_on"] = (held + interval).isoformat()
        reviews.append(review)
    return reviews


def demo_case(i: int, rng: random.Random, today: dt.date, notes_per_case: int | None = None) -> dict[str, Any]:
    given = rng.choice(GIVEN)
    family = rng.choice(FAMILY)
    imposed = _weekday_on_or_after(today - dt.timedelta(days=rng.randint(3, 400)))
    under_18 = rng.random() < 0.08
    age_years = rng.randint(16, 17) if under_18 else rng.randint(18, 62)
    dob = imposed - dt.timedelta(days=age_years * 365 + rng.randint(10, 300))
    kind = rng.random()
    requirements: list[dict[str, Any]] = []
    supervision_months = 0
    if kind < 0.75 or under_18:
        supervision_months = rng.choice([6, 9, 12, 12, 18, 24, 36])
        requirements.append({"kind": "offender_supervision", "months": supervision_months})
    has_upw = kind > 0.4 or not requirements
    hours = 0
    if has_upw:
        hours = rng.choice([40, 60, 80, 100, 120, 150, 200, 250, 300])
        requirements.append({"kind": "unpaid_work_or_other_activity", "hours": hours})
    if rng.random() < 0.2:
        extra = rng.choice(["alcohol_treatment", "drug_treatment", "programme", "conduct"])
        if extra.endswith("_treatment") and not supervision_months:
            extra = "conduct"  # guidance 8.2: a treatment requirement always comes with supervision
        requirements.append({"kind": extra, "details": "As set out in the order (synthetic)."})
    months_long = max(supervision_months, 6 if hours > 100 else 3 if hours else 0) or 12
    ends = add_months(imposed, months_long) - dt.timedelta(days=1)
    town, pc = rng.choice(TOWNS)
    individual: dict[str, Any] = {
        "given_names": given,
        "family_name": family,
        "date_of_birth": dob.isoformat(),
        "address": f"Flat {rng.randint(0, 3)}/{rng.randint(1, 2)}, {rng.randint(1, 120)} {rng.choice(STREETS)}, "
                   f"{town} {pc} {rng.randint(1, 9)}AA",
        "phone": f"07700 900{rng.randint(0, 999):03d}",
    }
    if rng.random() < 0.5:
        individual["preferred_name"] = given
    needs = [n for n in ("literacy", "numeracy", "interpreter") if rng.random() < 0.12]
    if needs:
        individual["communication_needs"] = needs
        if "interpreter" in needs:
            individual["interpreter_language"] = rng.choice(["Polish", "Romanian", "Arabic", "Gàidhlig"])
    status = "active" if ends >= today else "completed"
    case: dict[str, Any] = {
        "reference": f"CPO-{imposed.year}-{i + 1:04d}",
        "individual": individual,
        "order": {
            "court": rng.choice(COURTS),
            "imposed_on": imposed.isoformat(),
            "ends_on": ends.isoformat(),
            "responsible_officer": rng.choice(OFFICERS),
            "status": status,
            "requirements": requirements,
        },
    }
    if supervision_months:
        case["supervision_intensity"] = rng.choice(["high", "medium", "medium", "low"])
        if rng.random() < 0.15:
            hearing = _weekday_on_or_after(add_months(imposed, 3))
            case["order"]["progress_reviews"] = [hearing.isoformat()]
            if hearing < today:  # the report went in a week before the hearing
                case["order"]["progress_review_reports"] = [
                    {"hearing_on": hearing.isoformat(), "submitted_on": (hearing - dt.timedelta(days=7)).isoformat()}]
    elapsed = (today - imposed).days
    if hours:
        sessions = []
        day = _weekday_on_or_after(imposed + dt.timedelta(days=rng.randint(2, 11)))
        done = 0.0
        while day < today and done < hours:
            h = min(rng.choice([3.5, 7.0, 7.0, 7.0]), hours - done)
            s: dict[str, Any] = {"date": day.isoformat(), "hours": h,
                                 "kind": "other_activity" if rng.random() < 0.1 else "unpaid_work"}
            sessions.append(s)
            done += h
            day = _weekday_on_or_after(day + dt.timedelta(days=rng.choice([3, 4, 7, 7])))
        if sessions:
            case["unpaid_work_sessions"] = sessions
    if supervision_months and elapsed > 25 and rng.random() < 0.85:
        case["assessments"] = [{
            "tool": "LS/CMI",
            "completed_on": _weekday_on_or_after(imposed + dt.timedelta(days=rng.randint(10, 35))).isoformat(),
            "risk_level": rng.choice(["low", "medium", "high"]),
        }]
    goals = []
    for g, (area, desc, measure) in enumerate(rng.sample(GOAL_TEMPLATES, rng.randint(1, 4))):
        goal: dict[str, Any] = {"id": f"G{g + 1}", "need_area": area, "description": desc}
        if rng.random() < 0.85:
            goal["measure"] = measure
        goal["achievable"] = "Agreed as a manageable step at the first meetings."
        goal["realistic"] = f"Support from {rng.choice(AGENCIES)}."
        if rng.random() < 0.85:
            goal["target_date"] = (imposed + dt.timedelta(days=rng.randint(60, 300))).isoformat()
        goal["status"] = rng.choice(["not_started", "in_progress", "in_progress", "achieved"])
        goal["agreed_with_individual"] = True
        goal["actions"] = [{"description": "Attend the first appointment", "owner": "individual",
                            "due_on": (imposed + dt.timedelta(days=14)).isoformat()}]
        progress = [{"date": min(today, imposed + dt.timedelta(days=21)).isoformat(),
                     "text": "Started work on this goal.", "sensitivity": "ordinary"}]
        if rng.random() < 0.2:
            progress.append({"date": min(today, imposed + dt.timedelta(days=40)).isoformat(),
                             "text": "Partner reports by phone that he is not attending as he says.",
                             "sensitivity": "not_for_disclosure"})
        goal["progress"] = progress
        goals.append(goal)
    if supervision_months:
        case["goals"] = goals
    notes = []
    count = notes_per_case if notes_per_case is not None else rng.randint(3, 14)
    first = _weekday_on_or_after(imposed + dt.timedelta(days=rng.randint(1, 8)))
    span = max(1, (today - first).days)
    restricted_added = False
    for n in range(count):
        day = min(today, first + dt.timedelta(days=int(span * n / max(1, count))))
        if n == 0:
            notes.append({"date": day.isoformat(), "kind": rng.choice(["office", "home_visit"]),
                          "text": "First meeting: order explained, plan started.", "sensitivity": "ordinary"})
            continue
        if rng.random() < 0.12:
            text, source = rng.choice(RESTRICTED_NOTES)
            notes.append({"date": day.isoformat(), "kind": rng.choice(["agency_liaison", "victim_contact", "phone"]),
                          "text": text, "sensitivity": "not_for_disclosure", "source": source})
            restricted_added = True
        else:
            notes.append({"date": day.isoformat(), "kind": rng.choice(["home_visit", "office", "phone", "unpaid_work"]),
                          "text": rng.choice(ORDINARY_NOTES), "sensitivity": "ordinary"})
    if first <= today:
        case["notes"] = notes
    flags = []
    if rng.random() < 0.18 or restricted_added:
        flags.append({"kind": "domestic_abuse", "raised_on": imposed.isoformat(),
                      "details": "Victim supported by the Caledonian System women's service (synthetic).",
                      "sensitivity": "not_for_disclosure"})
        flags.append({"kind": "victim_safety_plan", "raised_on": imposed.isoformat(),
                      "review_on": (max(imposed, today) + dt.timedelta(days=rng.randint(-5, 90))).isoformat(),
                      "sensitivity": "not_for_disclosure"})
    if rng.random() < 0.06:
        flags.append({"kind": "child_protection", "raised_on": imposed.isoformat(), "sensitivity": "not_for_disclosure"})
    if rng.random() < 0.03:
        flags.append({"kind": "mappa", "raised_on": imposed.isoformat()})
    if under_18:
        flags.append({"kind": "compulsory_supervision_order", "raised_on": imposed.isoformat()})
    if flags:
        case["flags"] = flags
    if supervision_months and goals:
        reviews = _demo_reviews(rng, case, goals, imposed, min(today, ends), hours > 0)
        if reviews:
            case["reviews"] = reviews
    if rng.random() < 0.4:
        case["consents"] = [{"purpose": "share_with_agency", "agency": rng.choice(AGENCIES),
                             "given_on": first.isoformat()}]
    if rng.random() < 0.3:
        case["referrals"] = [{"agency": rng.choice(AGENCIES), "reason": "Support with a goal in the plan",
                              "made_on": first.isoformat(), "with_consent": True}]
    if rng.random() < 0.5:
        declined = rng.random() < 0.3
        case["learning"] = {"assessment_offered_on": first.isoformat(), "declined": declined}
        if not declined:
            case["learning"]["needs_identified"] = rng.sample(["literacy", "numeracy", "digital"], 1)
            case["learning"]["provider"] = "Community Learning and Development"
    if supervision_months and rng.random() < 0.6:
        agreed = _weekday_on_or_after(imposed + dt.timedelta(days=10))
        if agreed <= today:
            case["contract"] = {
                "agreed_on": agreed.isoformat(),
                "aims": [
                    {"area": "education_and_training", "target": "Attend the weekly literacy group for 8 weeks",
                     "individual_responsibility": "Attend each week or phone beforehand",
                     "service_commitment": "Count attendance as other activity hours"},
                    {"area": "benefits_and_housing_advocacy", "target": "Apply for housing with support",
                     "individual_responsibility": "Bring ID and income details to the appointment",
                     "service_commitment": "Write a supporting letter"},
                ],
                "shared_with": [{"agency": "Community Learning and Development", "shared_on": agreed.isoformat()}],
                "signed_by_individual_on": agreed.isoformat(),
                "signed_by_officer_on": agreed.isoformat(),
            }
    return case


OFFICES = ("Leith office", "Westside office", "Civic Centre, interview room 2")
PLACEMENTS = ("Community garden, Pilrig Park", "Charity furniture workshop", "Beach clean team")
ACCEPTABLE_REASONS = (
    "Hospital appointment; letter seen",
    "Child unwell; phoned the office before the appointment",
    "Job interview; evidence provided",
    "Bereavement (funeral)",
)


def demo_appointments(case: dict[str, Any], today: dt.date, seed: int) -> None:
    """Appointments with outcomes for an active order: the last eight weeks and the next two
    (some missed without a good reason and warned, some acceptable absences, one rescheduled,
    yesterday's sometimes still waiting for an outcome).  Its own random stream, so adding
    appointments leaves the rest of the demo data as it was."""
    order = case["order"]
    if order.get("status") not in (None, "active"):
        return
    rng = random.Random(f"appointments-{seed}-{case['reference']}")
    imposed = dt.date.fromisoformat(order["imposed_on"])
    supervision = any(r["kind"] == "offender_supervision" for r in order["requirements"])
    upw = any(r["kind"] == "unpaid_work_or_other_activity" for r in order["requirements"])
    step = 7 if case.get("supervision_intensity") == "high" else 14
    day = _weekday_on_or_after(max(imposed + dt.timedelta(days=2), today - dt.timedelta(days=56))
                               + dt.timedelta(days=rng.randint(0, 4)))  # spread over the week
    end = today + dt.timedelta(days=14)
    appts: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    while day <= end:
        if supervision:
            kind = rng.choices(["office", "home_visit", "phone", "video"], [6, 3, 2, 1])[0]
        elif upw:
            kind = "unpaid_work"
        else:
            break
        appt: dict[str, Any] = {
            "id": f"A{len(appts) + 1}", "date": day.isoformat(),
            "start": rng.choice(["09:30", "10:00", "11:00", "13:30", "14:00", "15:00"]),
            "duration_minutes": 360 if kind == "unpaid_work" else rng.choice([30, 45, 60]), "kind": kind,
        }
        if kind == "office":
            appt["place"] = rng.choice(OFFICES)
            appt["bring"] = "Proof of address and any letters about benefits"
        elif kind == "home_visit":
            appt["place"] = "Home"
        elif kind == "unpaid_work":
            appt["place"] = rng.choice(PLACEMENTS)
            appt["bring"] = "Sturdy shoes and a packed lunch"
        appt["with_whom"] = order.get("responsible_officer") or "Responsible officer"
        if day < today or (day == today and rng.random() < 0.3):
            if not (today - dt.timedelta(days=4) <= day < today and rng.random() < 0.3):  # else: awaiting it
                roll = rng.random()
                outcome = ("attended" if roll < 0.78 else "acceptable_absence" if roll < 0.87
                           else "unacceptable_absence" if roll < 0.95 else "cancelled_by_service")
                appt["outcome"] = outcome
                appt["outcome_recorded_on"] = day.isoformat()
                if outcome == "acceptable_absence":
                    appt["absence_reason"] = rng.choice(ACCEPTABLE_REASONS)
                elif outcome == "unacceptable_absence":
                    appt["absence_reason"] = "No contact before or after the appointment"
                    failures.append(appt)
        appts.append(appt)
        day = _weekday_on_or_after(day + dt.timedelta(days=step))
    if not appts:
        return
    # One booking moved at the person's request: rescheduled to two working days later.
    movable = [a for a in appts if "outcome" not in a and dt.date.fromisoformat(a["date"]) > today]
    if movable and rng.random() < 0.25:
        moved = movable[0]
        new_day = _weekday_on_or_after(dt.date.fromisoformat(moved["date"]) + dt.timedelta(days=2))
        new = {**{k: v for k, v in moved.items() if k not in ("id", "date")},
               "id": f"A{len(appts) + 1}", "date": new_day.isoformat()}
        moved.update(outcome="rescheduled", outcome_recorded_on=today.isoformat(), rescheduled_to=new["id"])
        appts.append(new)
    case["appointments"] = appts
    # Warnings sent for most failures (the last one may still be due).
    steps = ["first_warning", "final_warning", "breach_decision"]
    actions = []
    for n, failure in enumerate(failures[:len(steps)]):
        sent = _weekday_on_or_after(dt.date.fromisoformat(failure["date"]) + dt.timedelta(days=3))
        if sent <= today:  # a failure in the last few days may still have its letter due
            actions.append({"date": sent.isoformat(), "step": steps[n], "failure": failure["id"]})
    if actions:
        case["enforcement"] = actions


def demo_bundle(count: int, seed: int = 2026, today: dt.date | None = None,
                notes_per_case: int | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    today = today or dt.date.today()
    # References are unique by construction: the case number i appears in every one.
    cases = [demo_case(i, rng, today, notes_per_case) for i in range(count)]
    for case in cases:
        demo_appointments(case, today, seed)
    return {"format": "casebook.case-bundle", "version": 3, "exported_by": "Casebook demo generator",
            "cases": cases}
