"""An installed playtalk finds its activities, safeguarding lists and catalogs.

The wheel is what setuptools' ``build_py`` lays out (bdist_wheel zips that folder and
adds the metadata), so these tests run it on a copy of the sources, offline, and
start Python on the result from an unrelated directory, with no checkout in sight:
what ``pip install playtalk-*.whl`` gives an operator. The full wheel, a fresh venv,
``playtalk content check`` and ``playtalk demo`` run in .ci/run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "scheduler", "content", "locales", "pyproject.toml", "README.md")

PROBE = """
import json, sys
from bot.content import content_dir, load_library
from bot.i18n import Catalogs, locales_dir
from bot.safeguarding import Safeguarding, default_folder
library = load_library()
catalogs = Catalogs()
hit = Safeguarding.load().match("he hits me")
print(json.dumps({
    "content": str(content_dir()), "locales": str(locales_dir()),
    "safeguarding": str(default_folder()), "activities": len(library.activities),
    "locales_loaded": list(catalogs.codes), "match": hit is not None,
    "polish": catalogs.for_locale("pl").gettext("Yes, I agree"),
}))
"""


def _build(tmp_path: Path) -> Path:
    """The wheel's contents, built from a copy of the sources (none of the repo's files move)."""
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, src / name)
    lib = tmp_path / "lib"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "build_py",
            "-d",
            str(lib),
        ],
        cwd=src,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return lib


def test_built_package_carries_and_finds_content_and_catalogs(tmp_path: Path) -> None:
    lib = _build(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PLAYTALK_"))}
    # -S: no site-packages, so not the editable install of this checkout either; the
    # dependencies come back through PYTHONPATH, after the built package.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env["PYTHONPATH"] = os.pathsep.join([str(lib), *deps])
    result = subprocess.run(
        [sys.executable, "-S", "-c", PROBE],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    data = lib / "bot" / "_data"
    assert found["content"] == str(data / "content")
    assert found["locales"] == str(data / "locales")
    assert found["safeguarding"] == str(data / "content" / "safeguarding")
    assert found["activities"] == len(list((ROOT / "content" / "activities").glob("*/*.yaml")))
    assert len(found["locales_loaded"]) == 9
    assert found["match"] is True
    assert found["polish"] != "Yes, I agree"  # the Polish catalog, not the English fallback
    # Every catalog file and template is shipped, not just the ones loaded at start-up.
    shipped = sorted(p.relative_to(data / "locales") for p in (data / "locales").rglob("*.po*"))
    source = sorted(p.relative_to(ROOT / "locales") for p in (ROOT / "locales").rglob("*.po*"))
    assert shipped == source


def test_i18n_update_from_an_install_says_it_needs_a_checkout(tmp_path: Path) -> None:
    lib = _build(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PLAYTALK_"))}
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env["PYTHONPATH"] = os.pathsep.join([str(lib), *deps])
    result = subprocess.run(
        [sys.executable, "-S", "-m", "bot.cli", "i18n", "update"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "source checkout" in result.stderr and "Traceback" not in result.stderr


def test_every_package_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists packages by hand; a new one left out would be missing from
    the wheel while every test in the checkout still passed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "scheduler")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= listed, sorted(on_disk - listed)
