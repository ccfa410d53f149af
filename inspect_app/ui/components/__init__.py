"""Shared widgets of the tablet app."""
