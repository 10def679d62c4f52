"""Orbiplex Dator: the exchange-facing middleware module for priced service work (R011).

Hooks: ``service.publish`` (shape a standing offer) and ``service.execute`` (turn an accepted order
into an ``inquirium.request`` intent, then shape the response). The protocol is docs/modules.md.
"""
import os
import sys

try:
    from orbiplex_sdk import Module, run
except ImportError:  # run from source: the SDK lives in modules/sdk/python (a .pyz bundles it)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))
    from orbiplex_sdk import Module, run

from orbiplex_dator import handler

if __name__ == "__main__":
    run(Module.from_json(__file__, invoke=handler.invoke, init=handler.init))
