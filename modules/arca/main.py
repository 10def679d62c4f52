"""Orbiplex Arca: the workflow orchestration middleware module (R011).

Hook ``workflow.event``: one stateless move of a multi-phase workflow per call (the state travels
in the envelope and the host persists it). The protocol is docs/modules.md.
"""
import os
import sys

try:
    from orbiplex_sdk import Module, run
except ImportError:  # run from source: the SDK lives in modules/sdk/python (a .pyz bundles it)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))
    from orbiplex_sdk import Module, run

from orbiplex_arca import handler

if __name__ == "__main__":
    run(Module.from_json(__file__, invoke=handler.invoke, init=handler.init))
