"""What `make run` gives a client: a sourceable env file, and a clear message when its port is taken."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from smr_local.client_env import PortInUse, check_ports_free, write_env_file


def test_the_env_file_sets_exactly_the_exports_when_sourced(tmp_path: Path) -> None:
    exports = {"SMR_ENDPOINT": "http://127.0.0.1:5050", "ODD": "a value with spaces and 'quotes' $HOME"}
    path = write_env_file(tmp_path / ".smr", exports)
    assert path == tmp_path / ".smr" / "env"
    shown = subprocess.run(
        ["bash", "-c", 'set -eu; source "$0"; printf "%s\\n%s" "$SMR_ENDPOINT" "$ODD"', str(path)],
        env={},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.split("\n") == [exports["SMR_ENDPOINT"], exports["ODD"]]


def test_a_taken_port_is_named_with_the_variable_that_chose_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as refused:
            check_ports_free("127.0.0.1", port, 0)
        assert f"port {port}" in str(refused.value) and "SMR_PORT" in str(refused.value)
        with pytest.raises(PortInUse) as refused:
            check_ports_free("127.0.0.1", 0, port)
        assert f"port {port}" in str(refused.value) and "embedded AWS" in str(refused.value)
