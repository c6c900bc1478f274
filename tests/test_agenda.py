"""What the agenda and a contact's page show, computed from contacts and a day (pure)."""

from __future__ import annotations

import datetime as dt

from mdfollow.config import Config
from mdfollow.links import contact_id
from mdfollow.web.pages import PROMISES_SHOWN, agenda, contact_page, lateness

from .factories import vault

TODAY = dt.date(2026, 11, 30)  # a Monday


def test_sections_pages_and_filters() -> None:
    contacts = vault({
        "People/A.md": "---\nlast-contact: 2026-10-01\ncadence: 30d\ntags: [client]\n---\n",  # 2026-10-31
        "People/B.md": "---\nlast-contact: 2026-11-01\ncadence: 30d\n---\n",  # 2026-12-01
        "People/C.md": "---\nlast-contact: 2026-11-20\ncadence: 30d\n---\n",  # 2026-12-20
        "People/D.md": "---\nlast-contact: 2026-11-20\ncadence: 120d\n---\n",  # past the 90-day window
    }).contacts
    view = agenda(contacts, Config(), TODAY)
    assert [(s.title, [line.item.contact for line in s.lines]) for s in view.sections] == [
        ("Today and overdue", ["A"]), ("This week", ["B"]), ("Later", ["C"])]
    assert view.sections[0].lines[0].when == "30 days late" and view.sections[0].lines[0].late
    assert view.sections[0].lines[0].id == contact_id("People/A.md")
    assert (view.total, view.page, view.pages, view.tags) == (3, 1, 1, ("client",))
    clients = agenda(contacts, Config(), TODAY, tag="client")
    assert [s.lines[0].item.contact for s in clients.sections] == ["A"]
    assert agenda(contacts, Config(), TODAY, kind="promise").sections == ()
    assert agenda(contacts, Config(), TODAY, page=9).page == 1


def test_open_promises_are_capped_soonest_first() -> None:
    tasks = "".join(f"- [ ] promise {n} 📅 2027-01-{n % 28 + 1:02}\n" for n in range(60))
    view = agenda(vault({"People/A.md": f"---\nlast-contact: 2026-11-01\n---\n{tasks}"}).contacts,
                  Config(), TODAY)
    assert (len(view.promises), view.open_promises) == (PROMISES_SHOWN, 60)
    assert [p.due for _, p, _ in view.promises] == sorted(p.due for _, p, _ in view.promises)
    assert view.promises[0][1].due == dt.date(2027, 1, 1)


def test_the_week_strip_counts_contact_week_by_week() -> None:
    contacts = vault({
        "People/A.md": "---\nlast-contact: 2026-11-30\ncadence: 7d\n---\n## Log\n"
                       "- 2026-09-07 call\n- 2026-11-23 call\n- 2026-11-24 lunch\n- 2026-11-30 coffee\n",
        "People/B.md": "---\nlast-contact: 2026-01-01\ncadence: 30d\n---\n",
        "People/C.md": "---\nlast-contact: 2026-11-02\nstatus: closed\ncadence: 30d\n---\n",
    }).contacts
    strip = agenda(contacts, Config(), TODAY).strip
    assert strip.weeks[0] == dt.date(2026, 9, 14) and strip.weeks[-1] == TODAY
    assert [(c.name, counts) for c, _, counts in strip.rows] == [
        ("B", (0,) * 12), ("A", (0,) * 10 + (2, 1))]  # the longest silent first; closed left out


def test_the_contact_page_says_why_and_when() -> None:
    note = ("---\nlast-contact: 2026-11-01\ncadence: 30d\nbirthday: 1990-12-02\n---\n"
            "- [ ] send the deck 📅 2026-11-29\n")
    contact = vault({"People/A.md": note}).contacts[0]
    page = contact_page(contact, Config(), TODAY)
    assert page.current is not None and page.current.title == "Check in (every 30 days)"
    assert (page.current.due, page.when, page.birthday) == (dt.date(2026, 12, 1), "in 1 day",
                                                            dt.date(2026, 12, 2))
    assert [(p.text, when) for p, when in page.promises] == [("send the deck", "1 day late")]
    assert lateness(TODAY - dt.timedelta(days=2), TODAY) == "2 days late"
    assert lateness(TODAY + dt.timedelta(days=2), TODAY) == "in 2 days"
