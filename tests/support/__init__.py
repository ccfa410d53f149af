"""Helpers shared by test areas: system packages, free ports, waiting for servers."""
