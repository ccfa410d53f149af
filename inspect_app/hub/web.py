"""The hub's Flet web pages (clinic review, bureau overview): being built; not mounted yet."""


def mount_web(api, hub) -> None:
    return None
