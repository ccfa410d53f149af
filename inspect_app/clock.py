"""One time-zone rule for every date a person reads (报告编号, cover, report pages, verify
output, manifest, home card, export list, hub pages).

Times are stored as timezone-aware UTC. They are shown in the inspection's zone
(`Inspection.time_zone`), Asia/Shanghai by default: a visit at 23:30 UTC on 1 December is a
2 December visit in the center, and every screen and page says 2 December.

Pure module: no storage, UI or network. Where the system has no time-zone database (an APK
without tzdata), Asia/Shanghai falls back to its fixed offset (UTC+8, no daylight saving
since 1991), and another unknown zone to UTC+8 as well (the product is used in China).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

DEFAULT_ZONE = "Asia/Shanghai"
_CHINA = timezone(timedelta(hours=8), "CST")


@lru_cache(maxsize=32)
def zone_info(zone: str | None = None) -> tzinfo:
    """The tzinfo for an IANA zone name; DEFAULT_ZONE for "" / None; UTC+8 if unknown here."""
    name = (zone or DEFAULT_ZONE).strip() or DEFAULT_ZONE
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - no tz database, or a name it does not know
        return _CHINA


def as_utc(when: datetime) -> datetime:
    """A stored time as aware UTC (a naive one is taken to be UTC already)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def local(when: datetime, zone: str | None = None) -> datetime:
    """`when` as the clock on the wall in `zone` (the inspection's zone; default Asia/Shanghai)."""
    return as_utc(when).astimezone(zone_info(zone))


def local_date_text(when: datetime | None, zone: str | None = None) -> str:
    """YYYY-MM-DD in `zone`; "" for no time."""
    return "" if when is None else f"{local(when, zone):%Y-%m-%d}"


def local_time_text(when: datetime | None, zone: str | None = None) -> str:
    """YYYY-MM-DD HH:MM in `zone`; "" for no time."""
    return "" if when is None else f"{local(when, zone):%Y-%m-%d %H:%M}"


def local_compact_date(when: datetime, zone: str | None = None) -> str:
    """YYYYMMDD in `zone` (the date inside a report number)."""
    return f"{local(when, zone):%Y%m%d}"


def zone_of(inspection: object | None) -> str:
    """The zone of an inspection-like object (its `time_zone`), else DEFAULT_ZONE."""
    return (getattr(inspection, "time_zone", "") or DEFAULT_ZONE) if inspection is not None else DEFAULT_ZONE


__all__ = ["DEFAULT_ZONE", "as_utc", "inspection_date_text", "local", "local_compact_date", "local_date_text", "local_time_text",
           "zone_info", "zone_of"]


def inspection_date_text(inspection: object) -> str:
    """The day an inspection started, as the home card, the export list and the cover say it."""
    return local_date_text(getattr(inspection, "started_on", None), zone_of(inspection))
