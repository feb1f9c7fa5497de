"""The powerml Python package: `pip install ./python` (from the repository root).

The extension powerml._core is built by the project's CMake build (Debian's cmake, g++ and
pybind11-dev), for the Python that runs pip, and copied into the wheel with the pure-Python
files and PowerML's shipped data (powerml/data/), so that an installed copy needs neither
PYTHONPATH nor the source tree.

POWERML_BUILD_DIR=DIR uses an already configured build folder (one `cmake -B DIR` made) and
builds only the extension target there; without it a private build folder is configured with
tests, benchmarks and the Torch/ONNX plugins off (the module uses none of them).
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(powerml VERSION ([0-9.]+)", text)
    if not match:
        sys.exit("setup.py: no `project(powerml VERSION ...)` in " + str(ROOT / "CMakeLists.txt"))
    return match.group(1)


def run(command, **kwargs) -> None:
    print("setup.py: " + " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        given = os.environ.get("POWERML_BUILD_DIR")
        if given:
            build = Path(given).resolve()
            if not (build / "CMakeCache.txt").is_file():
                sys.exit(f"setup.py: POWERML_BUILD_DIR={given} is not a configured CMake build folder "
                         "(no CMakeCache.txt); configure it with cmake -S . -B DIR, or unset it")
        else:
            build = Path(self.build_temp).resolve() / "cmake"
            if not (build / "CMakeCache.txt").is_file():
                run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                     "-DPOWERML_BUILD_TESTS=OFF", "-DPOWERML_BUILD_BENCH=OFF", "-DPOWERML_WITH_PYTHON=ON",
                     "-DPOWERML_WITH_TORCH=OFF", "-DPOWERML_WITH_ONNX=OFF", f"-DPython_EXECUTABLE={sys.executable}"])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        # The HTTP plugin (live grid providers, smart plugs) goes into the package beside _core.
        run(["cmake", "--build", build, "--target", "powerml_python_core", "powerml_http", "--parallel", jobs])

        # The built module carries the suffix of the Python CMake found; it must be this one's.
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = build / "python" / "powerml" / ("_core" + suffix)
        if not built.is_file():
            found = sorted(p.name for p in (build / "python" / "powerml").glob("_core*.so"))
            sys.exit(f"setup.py: {built} was not built; the build folder has {found or 'no _core module'}: it was "
                     f"configured for another Python than {sys.executable} (reconfigure with "
                     f"-DPython_EXECUTABLE={sys.executable})")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)
        shutil.copyfile(build / "libpowerml_http.so", target.parent / "libpowerml_http.so")


class BuildPyWithData(build_py):
    """Copies the shipped data (zones, grid data, TDP tables, power models) into powerml/data."""

    def run(self) -> None:
        super().run()
        source = ROOT / "data"
        if not (source / "grid").is_dir():
            sys.exit(f"setup.py: PowerML's data folder {source} is missing; build from a full checkout")
        target = Path(self.build_lib) / "powerml" / "data"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)


setup(
    name="powerml",
    version=project_version(),
    description="Energy and carbon of ML jobs, measured by PowerML's C++ core",
    long_description=(HERE.parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["powerml"],
    package_dir={"powerml": "powerml"},
    package_data={"powerml": ["_core.pyi", "py.typed"]},
    ext_modules=[Extension("powerml._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild, "build_py": BuildPyWithData},
    zip_safe=False,
)
