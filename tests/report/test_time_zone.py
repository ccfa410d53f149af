"""One time zone (the inspection's, Asia/Shanghai by default) for every date a person reads: a visit
that starts at 23:30 UTC on 1 December is a 2 December visit in the report number, on the cover, on
the home card and in the bureau's manifest."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from inspect_app import clock, services
from inspect_app.report.content import report_id
from inspect_app.report.export import export_reports, signed_report
from tests.report.workflow import pdftotext, walk

LATE = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)


def test_clock_rule():
    assert clock.local_date_text(LATE) == "2026-12-02"
    assert clock.local_date_text(LATE, "UTC") == "2026-12-01"
    assert clock.local_time_text(LATE, "Asia/Shanghai") == "2026-12-02 07:30"
    assert clock.local_date_text(LATE, "Europe/Berlin") == "2026-12-02"  # 00:30 in Berlin
    assert clock.local_date_text(datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc), "Europe/Berlin") == "2026-12-01"
    assert clock.local_date_text(None) == ""
    assert clock.local(LATE.replace(tzinfo=None)).hour == 7  # a naive stored time is UTC


@pytest.fixture(scope="module")
def late_visit(tmp_path_factory):
    data = tmp_path_factory.mktemp("late") / "data"
    ws = services.open_workspace(data)
    iid = walk(ws, started=LATE)
    yield ws, iid
    ws.close()


def test_number_cover_home_card_and_manifest_say_the_beijing_date(late_visit, tmp_path):
    ws, iid = late_visit
    ins = services.get_inspection(ws, iid)
    assert ins.time_zone == clock.DEFAULT_ZONE
    assert report_id(ins).startswith("JCR-20261202-")  # not the UTC date 20261201
    assert clock.inspection_date_text(ins) == "2026-12-02"  # the home card and the export list
    signed = signed_report(ws, iid)
    cover = pdftotext(signed.path, 1, 1)
    assert "2026-12-02" in cover and "2026-12-01" not in cover
    assert signed.report_id.startswith("JCR-20261202-")
    result = export_reports(ws, tmp_path / "bureau", [iid])
    assert result.rows[0].evaluation_date.startswith("2026-12-02")
    assert "2026-12-01" not in (tmp_path / "bureau" / "manifest.csv").read_text("utf-8-sig")


def test_another_zone_moves_every_date(tmp_path):
    ws = services.open_workspace(tmp_path / "data")
    try:
        iid = walk(ws, started=LATE, lock=False, photos=0)
        ins = services.get_inspection(ws, iid)
        utc = ins.model_copy(update={"time_zone": "UTC", "frozen": None})
        assert report_id(utc).startswith("JCR-20261201-")
        assert clock.inspection_date_text(utc) == "2026-12-01"
    finally:
        ws.close()
