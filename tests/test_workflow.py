"""The GitHub Actions workflow builds, tests and publishes with the README's two commands, to the
branch that the Colab buttons open."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def readme_commands():
    """The commands of the README's "two commands" block."""
    block = re.search(r"## The two commands.*?```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.startswith("make ")]


def steps():
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def test_the_workflow_parses_and_runs_on_pushes_to_main():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers


def test_its_build_and_test_steps_are_the_readme_commands():
    commands = [step["run"].strip() for step in steps() if "run" in step]
    # Only make variables may follow a command (CHROMIUM=... on a runner without Debian's Chromium).
    assert [re.sub(r"(\s+[A-Z_]+=\S+)+$", "", command) for command in commands] == readme_commands()
    assert readme_commands() == ["make book", "make test"]


def test_it_publishes_the_built_site_to_the_branch_the_colab_buttons_open():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    (publish,) = [step for step in steps() if "gh-pages" in step.get("uses", "")]
    assert publish["with"]["publish_dir"] == "_build/html"
    assert publish["with"]["publish_branch"] == config["repository"]["branch"]
    assert "refs/heads/main" in publish["if"]
