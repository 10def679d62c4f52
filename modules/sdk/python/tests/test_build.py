"""module.json validation, modules/build.py, and running/loading a module from its zipapp."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zipfile

from .support import BUILD, INIT, MODULES, ModuleProcess, call_json, envelope
from orbiplex_sdk import manifest

MINIMAL = {"module_id": "m", "module_name": "M", "module_version": "0.1.0"}


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


class ManifestTest(unittest.TestCase):
    def test_defaults_are_filled_in(self) -> None:
        info = manifest.validate(dict(MINIMAL, capabilities=[{"capability_id": "m/x"}]))
        self.assertEqual((info["middleware_contract_version"], info["host_api_version"], info["entry"]),
                         ("1.0", "1.0", "main.py"))
        self.assertEqual(info["capabilities"], [{"capability_id": "m/x", "class": "other", "description": ""}])

    def test_errors_name_the_field(self) -> None:
        cases = [({**MINIMAL, "module_version": 1}, "module_version"), ({"module_name": "M"}, "module_id"),
                 ({**MINIMAL, "hooks": "service.execute"}, "hooks"), ({**MINIMAL, "hooks": ["a", "a"]}, "hooks"),
                 ({**MINIMAL, "capabilities": [{"class": "base"}]}, "capabilities[0].capability_id"),
                 ({**MINIMAL, "entry": "../main.py"}, "entry"), ({**MINIMAL, "entry": "main.sh"}, "entry")]
        for data, field in cases:
            with self.assertRaisesRegex(manifest.ManifestError, re.escape(f'field "{field}"')):
                manifest.validate(data, "x/module.json")
        with self.assertRaisesRegex(manifest.ManifestError, "not valid JSON"):
            manifest.parse(b"{", "x/module.json")

    def test_loads_beside_a_file_a_folder_or_a_package(self) -> None:
        with tempfile.TemporaryDirectory() as root:
            write(os.path.join(root, "fxpkg_manifest", "__init__.py"), "")
            write(os.path.join(root, "fxpkg_manifest", "module.json"), json.dumps(MINIMAL))
            folder = os.path.join(root, "fxpkg_manifest")
            self.assertEqual(manifest.load(os.path.join(folder, "__init__.py"))["module_id"], "m")
            self.assertEqual(manifest.load(folder)["module_id"], "m")
            sys.path.insert(0, root)
            try:
                self.assertEqual(manifest.load("fxpkg_manifest")["module_id"], "m")
            finally:
                sys.path.remove(root)
                sys.modules.pop("fxpkg_manifest", None)
            with self.assertRaisesRegex(manifest.ManifestError, "not found"):
                manifest.load(os.path.join(root, "elsewhere", "main.py"))


class BuildTest(unittest.TestCase):
    def setUp(self) -> None:
        temp = tempfile.TemporaryDirectory(prefix="orbiplex-build-test-")
        self.addCleanup(temp.cleanup)
        self.root = temp.name
        self.out = os.path.join(self.root, "out")

    def build(self, src: str = MODULES) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, BUILD, "--src", src, "--out", self.out],
                              capture_output=True, text=True, timeout=60)

    def test_builds_echo_runs_it_and_reads_module_json_from_inside_the_zipapp(self) -> None:
        result = self.build()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("built echo", result.stdout)
        with open(os.path.join(self.out, "manifest.json")) as handle:
            bundled = json.load(handle)
        self.assertEqual(bundled["schema_version"], "bundled-modules.v1")
        self.assertEqual(bundled["python"], os.path.realpath(sys.executable))
        echo = bundled["modules"]["echo"]
        self.assertEqual((echo["module_id"], echo["module_version"], echo["hooks"]),
                         ("orbiplex-echo", "0.1.0", ["service.execute", "workflow.event"]))
        self.assertEqual(echo["cwd"], os.path.join(MODULES, "examples", "echo"))
        self.assertTrue(os.path.isabs(echo["pyz"]))
        with zipfile.ZipFile(echo["pyz"]) as archive:
            names = archive.namelist()
        for name in ("__main__.py", "main.py", "module.json", "orbiplex_sdk/__init__.py", "orbiplex_sdk/server.py",
                     "main.pyc", "orbiplex_sdk/server.pyc", "orbiplex_sdk/__init__.pyc"):
            self.assertIn(name, names)
        self.assertFalse([n for n in names if "test" in n], names)
        self.assertEqual(manifest.load(os.path.join(echo["pyz"], "main.py"))["module_id"], "orbiplex-echo")
        # Run the archive the way the host does: <real python> <pyz>, from the module folder.
        module = ModuleProcess(self, [echo["pyz"]], cwd=echo["cwd"])
        module.announcement()
        conn = module.connect()
        self.addCleanup(conn.close)
        self.assertEqual(call_json(conn, "POST", "/v1/middleware/init", INIT)[1]["module_version"], "0.1.0")
        self.assertEqual(call_json(conn, "POST", "/v1/middleware/invoke", envelope())[1]["decision"], "annotate")
        module.close_stdin()
        self.assertEqual(module.wait(), 0)
        # A second build changes nothing.
        mtime = os.stat(echo["pyz"]).st_mtime_ns
        again = self.build()
        self.assertIn("unchanged echo", again.stdout)
        self.assertEqual(os.stat(echo["pyz"]).st_mtime_ns, mtime)
        # ...but the stamp the host compares sources against is renewed by every build.
        self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(echo["pyz"]), "last-build")))

    def test_packs_packages_leaves_tests_out_and_runs_a_nested_entry(self) -> None:
        src = os.path.join(self.root, "src")
        folder = os.path.join(src, "team", "thing")
        write(os.path.join(folder, "module.json"), json.dumps({**MINIMAL, "entry": "app/serve.py"}))
        write(os.path.join(folder, "app", "__init__.py"), "")
        write(os.path.join(folder, "app", "serve.py"), "from app import helper\nprint(helper.VALUE)\n")
        write(os.path.join(folder, "app", "helper.py"), "VALUE = 'from-the-archive'\n")
        write(os.path.join(folder, "app", "test_helper.py"), "")
        write(os.path.join(folder, "tests", "test_all.py"), "")
        write(os.path.join(folder, "notes", "draft.py"), "")
        result = self.build(src)
        self.assertEqual(result.returncode, 0, result.stderr)
        pyz = os.path.join(self.out, "thing.pyz")
        with zipfile.ZipFile(pyz) as archive:
            names = set(archive.namelist())
        self.assertTrue({"app/serve.py", "app/helper.py", "module.json"} <= names, names)
        self.assertFalse({"app/test_helper.py", "tests/test_all.py", "notes/draft.py"} & names, names)
        ran = subprocess.run([sys.executable, pyz], capture_output=True, text=True, timeout=30, cwd=self.root)
        self.assertEqual(ran.stdout.strip(), "from-the-archive", ran.stderr)

    def test_invalid_module_json_fails_the_build_naming_file_and_field(self) -> None:
        src = os.path.join(self.root, "src")
        write(os.path.join(src, "bad", "module.json"), json.dumps({**MINIMAL, "module_version": "one"}))
        write(os.path.join(src, "bad", "main.py"), "")
        result = self.build(src)
        self.assertEqual(result.returncode, 1)
        self.assertIn(os.path.join(src, "bad", "module.json"), result.stderr)
        self.assertIn('"module_version"', result.stderr)

    def test_a_syntax_error_fails_the_build(self) -> None:
        src = os.path.join(self.root, "src")
        write(os.path.join(src, "broken", "module.json"), json.dumps(MINIMAL))
        write(os.path.join(src, "broken", "main.py"), "def (:\n")
        result = self.build(src)
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot compile", result.stderr)
        self.assertIn("main.py", result.stderr)

    def test_a_missing_entry_fails_the_build(self) -> None:
        src = os.path.join(self.root, "src")
        write(os.path.join(src, "noentry", "module.json"), json.dumps(MINIMAL))
        result = self.build(src)
        self.assertEqual(result.returncode, 1)
        self.assertIn("entry 'main.py'", result.stderr)


if __name__ == "__main__":
    unittest.main()
