"""The suite's guard: only loopback names resolve, so no test can reach Meta, Slack or anything else."""

import socket

import pytest


def test_outside_hosts_do_not_resolve():
    with pytest.raises(OSError, match="must not reach the network"):
        socket.getaddrinfo("graph.facebook.com", 443)
    assert socket.getaddrinfo("127.0.0.1", 80)
