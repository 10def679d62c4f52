"""orbiplex_sdk: the standard-library-only helper every Python Orbiplex middleware module uses.

A whole module::

    from orbiplex_sdk import Module, decisions, run

    def invoke(envelope, ctx):
        return decisions.allow("nothing to do")

    if __name__ == "__main__":
        run(Module.from_json(__file__, invoke=invoke))

`run` serves the CONTRACTS §1.3 endpoints on loopback, announces the port on stdout, checks the
host's token, bounds work in flight, and exits when stdin closes or on SIGTERM.
"""
from . import decisions, manifest
from ._log import log
from .manifest import ManifestError
from .module import Context, Module, ModuleError, Response
from .server import run

__all__ = ["Context", "ManifestError", "Module", "ModuleError", "Response", "decisions", "log", "manifest", "run"]
__version__ = "0.1.0"
