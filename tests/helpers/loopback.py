"""What the test-owned servers share: the loopback address, ports the kernel picks, and start/stop as a
`with` block (see tests/helpers/servers.py)."""

from __future__ import annotations

import abc
import contextlib
import socket
from types import TracebackType
from typing import Self

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nobody listens on right now."""
    # Hold all sockets open until every port is known, so the ports differ from each other.
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)]
        for s in socks:
            s.bind((LOOPBACK, 0))
        return [s.getsockname()[1] for s in socks]


class LoopbackServer(abc.ABC):
    """A server on 127.0.0.1 that a test starts and stops: `with server:` starts it and always stops it."""

    host = LOOPBACK

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
