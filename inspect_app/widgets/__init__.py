"""Flet controls shared by the tablet app (inspect_app/ui) and the hub's web pages (inspect_app/hub):
plain widgets with no screen state, so that the hub imports nothing of the tablet's UI."""
