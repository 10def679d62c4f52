#!/usr/bin/env python3
"""Build every Python module under modules/ into a zipapp and write the bundled-modules manifest.

    python3 modules/build.py [--src modules] [--out build/modules]

Each folder holding a module.json (the sdk folder excepted) becomes ``<out>/<folder>.pyz`` with the
module's Python files and packages (tests left out), its module.json, the orbiplex_sdk package and
a ``__main__.py`` that runs the entry. The host launches ``<python> <pyz>``: ``manifest.json`` names
the real interpreter so nothing is looked up on PATH at spawn. Unchanged archives are not rewritten.
"""
import sys

if sys.version_info < (3, 10):
    sys.stderr.write("modules/build.py needs Python >= 3.10, but {} is {}; run it with a newer python3\n"
                     .format(sys.executable, sys.version.split()[0]))
    raise SystemExit(2)

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import py_compile  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import zipapp  # noqa: E402
import zipfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SDK_ROOT = os.path.join(HERE, "sdk", "python")
sys.path.insert(0, SDK_ROOT)
from orbiplex_sdk import manifest  # noqa: E402

MANIFEST_SCHEMA = "bundled-modules.v1"
STAMP_NAME = "last-build"
MAGIC = importlib.util.MAGIC_NUMBER
_SKIP_DIRS = {"__pycache__", "tests", "test", "node_modules", "build", "dist"}


def _is_test(name):
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def find_modules(src):
    """Folders under ``src`` holding a module.json, sdk excluded, in a stable order."""
    found = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                         and os.path.join(folder, d) != os.path.join(src, "sdk"))
        if manifest.FILE_NAME in files:
            found.append(folder)
    return found


def _copy_tree(source, target):
    """Copy a package folder: its files except tests, caches and nested modules."""
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                   and not os.path.isfile(os.path.join(folder, d, manifest.FILE_NAME))]
        rel = os.path.relpath(folder, source)
        for name in files:
            if _is_test(name) or name.endswith((".pyc", ".pyo")) or name.startswith("."):
                continue
            dest = os.path.join(target, rel, name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.join(folder, name), dest)


def _compile(staging, target):
    """Put ``x.pyc`` beside every ``x.py``: zipimport cannot cache bytecode, so without them every
    start would compile the SDK again (~30 ms). Unchecked-hash pycs need no timestamps; the host
    runs the interpreter named in manifest.json, which is the one that compiled them."""
    for folder, _, files in os.walk(staging):
        for name in files:
            if name.endswith(".py"):
                source = os.path.join(folder, name)
                shown = os.path.join(target, os.path.relpath(source, staging))
                try:
                    py_compile.compile(source, cfile=source + "c", dfile=shown, doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                except py_compile.PyCompileError as error:
                    raise manifest.ManifestError(f"cannot compile {shown}: {error.msg.strip()}") from None


def stage(folder, info, staging, target):
    """Lay out one module's archive contents in ``staging``; returns the number of files."""
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or _is_test(name) or name in _SKIP_DIRS:
            continue
        if os.path.isfile(path) and (name.endswith(".py") or name == manifest.FILE_NAME):
            if name == "__main__.py":
                raise manifest.ManifestError(f"{path}: a module may not ship its own __main__.py; "
                                             'name the entry in module.json ("entry") instead')
            shutil.copy2(path, os.path.join(staging, name))
        elif os.path.isdir(path) and os.path.isfile(os.path.join(path, "__init__.py")):
            _copy_tree(path, os.path.join(staging, name))
    if os.path.exists(os.path.join(staging, "orbiplex_sdk")):
        raise manifest.ManifestError(f"{folder}: holds its own orbiplex_sdk package; remove it, the build adds the SDK")
    _copy_tree(os.path.join(SDK_ROOT, "orbiplex_sdk"), os.path.join(staging, "orbiplex_sdk"))
    entry = info["entry"]
    if not os.path.isfile(os.path.join(staging, entry)):
        raise manifest.ManifestError(f"{os.path.join(folder, manifest.FILE_NAME)}: entry {entry!r} is not in "
                                     f"{folder} (or is a test file); fix \"entry\"")
    dotted = entry[:-3].replace("/", ".").replace("\\", ".")
    with open(os.path.join(staging, "__main__.py"), "w", encoding="utf-8") as handle:
        # The interpreter line makes a rebuild for another Python rewrite the archive (its .pyc files).
        handle.write(f'"""Run {info["module_id"]} {info["module_version"]} from this archive."""\n'
                     f"# built for {sys.implementation.cache_tag} (bytecode {MAGIC.hex()})\n"
                     f"import runpy\n\nrunpy.run_module({dotted!r}, run_name=\"__main__\", alter_sys=True)\n")
    _compile(staging, target)
    count = 0
    for _, _, files in os.walk(staging):
        count += sum(1 for name in files if not name.endswith(".pyc"))
    return count


def _entries(source):
    with zipfile.ZipFile(source) as archive:
        # Bytecode is derived from the sources (and __main__.py names the interpreter), and marshal
        # output is not byte-stable, so .pyc members do not count as changes.
        return sorted((item.filename, item.CRC, item.file_size) for item in archive.infolist()
                      if not item.is_dir() and not item.filename.endswith(".pyc"))


def _write_if_changed(path, data, archive=False):
    # Archives compare by member names and contents, so a rebuild that changes nothing is a no-op.
    try:
        if archive:
            if _entries(path) == _entries(io.BytesIO(data)):
                return False
        else:
            with open(path, "rb") as handle:
                if handle.read() == data:
                    return False
    except (OSError, zipfile.BadZipFile):
        pass
    temp = f"{path}.tmp{os.getpid()}"
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)
    return True


def build(src, out):
    """Build every module under ``src`` into ``out``; returns the manifest dict."""
    src, out = os.path.abspath(src), os.path.abspath(out)
    if not os.path.isdir(src):
        raise manifest.ManifestError(f"{src}: no such folder to search for modules (--src)")
    os.makedirs(out, exist_ok=True)
    modules = {}
    for folder in find_modules(src):
        name = os.path.basename(folder)
        info = manifest.load(os.path.join(folder, manifest.FILE_NAME))
        if name in modules:
            raise manifest.ManifestError(f"{folder}: another module folder is also named {name!r} "
                                         f"({modules[name]['cwd']}); archive names must be unique")
        target = os.path.join(out, f"{name}.pyz")
        with tempfile.TemporaryDirectory(prefix=f"orbiplex-build-{name}-") as staging:
            count = stage(folder, info, staging, target)
            buffer = io.BytesIO()
            zipapp.create_archive(staging, buffer)
        changed = _write_if_changed(target, buffer.getvalue(), archive=True)
        print(f"{'built' if changed else 'unchanged'} {name} ({info['module_id']} {info['module_version']}): "
              f"{target} ({count} files)")
        modules[name] = {
            "pyz": target, "cwd": folder, "module_id": info["module_id"],
            "module_version": info["module_version"], "module_name": info["module_name"],
            "capabilities": [cap["capability_id"] for cap in info["capabilities"]], "hooks": info["hooks"],
        }
    for name in sorted(os.listdir(out)):
        if name.endswith(".pyz") and name[:-4] not in modules:
            os.remove(os.path.join(out, name))
            print(f"removed {os.path.join(out, name)}: no module folder {name[:-4]!r} any more")
    result = {"schema_version": MANIFEST_SCHEMA, "python": os.path.realpath(sys.executable), "modules": modules}
    text = json.dumps(result, indent=2, sort_keys=False) + "\n"
    _write_if_changed(os.path.join(out, "manifest.json"), text.encode("utf-8"))
    # Archives keep their mtime when nothing changed, so the host cannot tell "built after the last
    # edit" from them; this stamp is rewritten by every build and is what `orbiplex validate` compares.
    with open(os.path.join(out, STAMP_NAME), "w", encoding="utf-8") as handle:
        handle.write(f"{len(modules)} modules checked\n")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=HERE, help="folder to search for module.json files (default: modules/)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "build", "modules"),
                        help="output folder (default: build/modules at the repo root)")
    args = parser.parse_args(argv)
    try:
        result = build(args.src, args.out)
    except manifest.ManifestError as error:
        sys.stderr.write(f"modules/build.py: {error}\n")
        return 1
    print(f"wrote {os.path.join(os.path.abspath(args.out), 'manifest.json')} "
          f"({len(result['modules'])} modules, python {result['python']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
