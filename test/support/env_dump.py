"""Writes the environment this process was started with to argv[1] (JSON), then runs the fixture.

It reads /proc/self/environ, the block the host passed to execve, not os.environ: Python adds
LC_CTYPE to os.environ itself under the C locale (PEP 538), which the host never sent.
"""
import json
import os
import runpy
import sys

with open("/proc/self/environ", "rb") as handle:
    pairs = [item.decode("utf-8", "replace").split("=", 1) for item in handle.read().split(b"\0") if item]
with open(sys.argv[1] + ".tmp", "w", encoding="utf-8") as out:
    json.dump({key: value for key, value in pairs}, out)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "fixture_module.py"),
               run_name="__main__")
