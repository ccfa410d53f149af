"""A port something else listens on (a second `make run`, a second hub) is said in words, in
both languages, before any start-up work: the command exits 2, prints no address as if it
were serving, and stores nothing in its data folder."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from inspect_app import paths
from inspect_app.errors import UserError
from inspect_app.listen import ensure_port_free


@pytest.fixture
def taken():
    """A port held by a listening socket on 127.0.0.1, as a running server holds it."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", [["app"], ["hub"]])
def test_a_taken_port_is_refused_in_words_and_nothing_starts(tmp_path, taken, command):
    data = tmp_path / "data"
    run = subprocess.run([sys.executable, "main.py", "--data", str(data), *command, "--host", "127.0.0.1",
                          "--port", str(taken)], cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"端口 {taken} 已被占用" in run.stderr and f"Port {taken} is already in use" in run.stderr
    assert "--port" in run.stderr and "Errno" not in run.stderr and "Traceback" not in run.stderr
    assert "http://" not in run.stdout  # no address printed as if it were serving
    # no start-up work: nothing stored (the app's command line makes the empty folder for every
    # command, paths.data_dir; the hub checks the port before even that)
    assert list(data.iterdir()) == [] if command == ["app"] else not data.exists()


def test_a_free_port_passes_and_stays_free(taken):
    with pytest.raises(UserError) as err:
        ensure_port_free("127.0.0.1", taken)
    assert str(taken) in err.value.zh and str(taken) in err.value.en
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    ensure_port_free("127.0.0.1", free)
    with socket.socket() as again:  # the check bound nothing for good
        again.bind(("127.0.0.1", free))
