"""The pinned environment, Binder's environment.yml and lrlib's own ranges agree."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def pins_from_requirements(name="requirements.txt"):
    lines = (line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines())
    return {Requirement(line).name: str(Requirement(line).specifier) for line in lines if line}


def test_requirements_are_exact_pins():
    assert all(spec.startswith("==") and "," not in spec for spec in pins_from_requirements().values())


def test_environment_yml_installs_the_same_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    pins = {Requirement(line).name: str(Requirement(line).specifier) for line in pip_section if not line.startswith("-")}
    assert pins == pins_from_requirements()
    assert "-e ." in pip_section


def test_pins_satisfy_lrlibs_declared_ranges():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {**pins_from_requirements(), **pins_from_requirements("requirements-ray.txt"),
            **pins_from_requirements("requirements-browser.txt")}
    declared = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    for line in declared:
        requirement = Requirement(line)
        assert requirement.name in pins, f"{requirement.name} is not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[requirement.name].lstrip("="), prereleases=True), line


def test_tensorflow_not_tensorflow_cpu_and_no_tf_keras():
    names = set(pins_from_requirements())
    assert "tensorflow" in names and "tensorflow-cpu" not in names and "tf-keras" not in names


def test_ray_is_pinned_apart_and_optional():
    # `make test` installs requirements-ray.txt for the tests of `reproduce --ray`; the book, Binder
    # and Colab install requirements.txt (or lrlib's own dependencies) and get no Ray.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(pins_from_requirements("requirements-ray.txt")) == {"ray"}
    assert "ray" not in pins_from_requirements()
    assert not any(Requirement(line).name == "ray" for line in project["dependencies"])
    assert [Requirement(line).name for line in project["optional-dependencies"]["ray"]] == ["ray"]
