"""Dator as the host runs it: a real child process (from source, and from its zipapp) over loopback HTTP."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from sdk.python.tests.support import BUILD, INIT, ModuleProcess, call_json, envelope

from . import MODULE_DIR
from .samples import SETTINGS, draft_offer, execute_envelope, inquirium_ok

MAIN = os.path.join(MODULE_DIR, "main.py")
INIT_PATH, INVOKE = "/v1/middleware/init", "/v1/middleware/invoke"


def init_body(settings: dict) -> dict:
    return {**INIT, "executor_id": "dator-news", "module_settings": settings}


class DatorServerTest(unittest.TestCase):
    def start(self, argv: list[str], settings: dict = SETTINGS, cwd: str | None = None):
        module = ModuleProcess(self, argv, {"ORBIPLEX_MODULE_ID": "orbiplex-dator"}, cwd=cwd)
        module.announcement()
        conn = module.connect()
        self.addCleanup(conn.close)
        status, report = call_json(conn, "POST", INIT_PATH, init_body(settings))
        return module, conn, status, report

    def test_report_publication_and_an_order_round_trip(self) -> None:
        module, conn, status, report = self.start([MAIN])
        self.assertEqual(status, 200, report)
        self.assertEqual((report["module_id"], report["module_name"], report["module_version"]),
                         ("orbiplex-dator", "Orbiplex Dator", "0.1.0"))
        self.assertEqual([c["capability_id"] for c in report["capabilities"]],
                         ["dator/exchange-service-publication", "dator/service-execution-shaping"])
        self.assertEqual((report["hooks"], report["middleware_contract_version"], report["host_api_version"]),
                         (["service.publish", "service.execute"], "1.0", "1.0"))
        self.assertEqual(report["profile"]["identity"], "adam-news")

        status, offer = call_json(conn, "POST", INVOKE, envelope(draft_offer(), hook="service.publish"))
        self.assertEqual((status, offer["decision"]), (200, "rewrite"))
        self.assertEqual(offer["patch"]["offer"]["pricing"]["amount"], 600)

        status, first = call_json(conn, "POST", INVOKE, execute_envelope(depth=1))
        self.assertEqual((status, first["decision"], first["next_step"]), (200, "annotate", "dator.shape-response"))
        self.assertEqual(first["intents"][0]["capability"], "inquirium.request")
        # The host runs the intent and calls again, the same payload plus the result.
        status, second = call_json(conn, "POST", INVOKE, execute_envelope(depth=1, results=[inquirium_ok()]))
        self.assertEqual((status, second["decision"]), (200, "return"))
        self.assertEqual(second["patch"]["response"]["provenance"]["intent_id"], first["intents"][0]["intent_id"])

        status, full = call_json(conn, "POST", INVOKE, execute_envelope(depth=5))
        self.assertEqual((status, full["decision"], full["reason"]), (200, "reject", "queue-saturated"))
        module.close_stdin()
        self.assertEqual(module.wait(), 0)

    def test_bad_settings_fail_init_naming_the_field(self) -> None:
        _, _, status, answer = self.start([MAIN], {"services": [{"service_type": "news.topical", "price": "6"}]})
        self.assertEqual((status, answer["error"]["code"]), (400, "TYPE_ERROR"))
        self.assertIn("settings.services[0].price", answer["error"]["message"])
        self.assertEqual(answer["error"]["details"]["problems"][0]["path"], "settings.services[0].price")

    def test_the_zipapp_runs_the_same_module(self) -> None:
        with tempfile.TemporaryDirectory(prefix="orbiplex-dator-build-") as out:
            built = subprocess.run([sys.executable, BUILD, "--out", out], capture_output=True, text=True, timeout=120)
            self.assertEqual(built.returncode, 0, built.stderr)
            with open(os.path.join(out, "manifest.json")) as handle:
                dator = json.load(handle)["modules"]["dator"]
            self.assertEqual((dator["module_id"], dator["module_version"], dator["hooks"]),
                             ("orbiplex-dator", "0.1.0", ["service.publish", "service.execute"]))
            self.assertEqual(dator["capabilities"], ["dator/exchange-service-publication",
                                                     "dator/service-execution-shaping"])
            _, conn, status, report = self.start([dator["pyz"]], cwd=dator["cwd"])
            self.assertEqual((status, report["module_version"]), (200, "0.1.0"))
            status, offer = call_json(conn, "POST", INVOKE, envelope(draft_offer(), hook="service.publish"))
            self.assertEqual((status, offer["decision"]), (200, "rewrite"))


if __name__ == "__main__":
    unittest.main()
