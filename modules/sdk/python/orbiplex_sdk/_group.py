"""Taking a module's own process group down when the host is gone (CONTRACTS §1.2).

The host spawns each module detached, so the module leads a process group of its own, and every
process the module starts joins it unless it leaves on purpose. When stdin reaches EOF the host is
gone (perhaps SIGKILLed, with no chance to stop anything): the module must not leave its children
running behind it, so before it exits it stops the rest of its group: SIGTERM, a short grace, then
SIGKILL for whatever is left.
"""
from __future__ import annotations

import os
import signal
import time

from ._log import log

#: How long the group's other processes get after SIGTERM before SIGKILL.
GROUP_GRACE_SECONDS = 0.5


def _members(pgid: int, me: int) -> list[int] | None:
    """The live (not zombie) processes of group ``pgid`` other than ``me``; None without /proc."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    found = []
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            found.append(int(name))
    return found


def _reap_children() -> None:
    # Our own children that exited stay zombies (still "in the group" for kill) until waited for.
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_process_group(grace: float = GROUP_GRACE_SECONDS) -> int:
    """Stop every other process of this process's group, if this process leads it.

    Returns how many processes were still there after the grace and got SIGKILL. Does nothing for a
    process that does not lead its group (run by hand from a shell, whose group is the shell's job).
    """
    me = os.getpid()
    try:
        if os.getpgrp() != me:
            return 0
    except OSError:
        return 0
    members = _members(me, me)
    if members == []:
        return 0
    # The group signal reaches this process too: it is exiting anyway, and must not die of it first.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(me, signal.SIGTERM)
    except OSError:
        return 0
    if members is None:
        return 0
    deadline = time.monotonic() + grace
    while True:
        _reap_children()
        left = _members(me, me) or []
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    _reap_children()
    if left:
        log(f"{len(left)} process(es) of this module ignored SIGTERM for {grace}s; sent SIGKILL", "warn")
    return len(left)
