"""The GitHub Actions workflows: actionlint passes, the Pages workflow has the shape
publishing needs, and its export step, run here as it runs there, publishes what it should."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT, SEASON_2026, export, require, snapshot

WORKFLOWS = ROOT / ".github" / "workflows"
PUBLISH = WORKFLOWS / "publish.yml"
# The official actions, each at least at its current major version.
PAGES_ACTIONS = {
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "actions/configure-pages": 6,
    "actions/upload-pages-artifact": 5,
    "actions/deploy-pages": 5,
}
TOOLS_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def tool(name: str) -> str:
    """A command from the test extra (beside this Python, else on PATH)."""
    found = shutil.which(name, path=TOOLS_PATH)
    require(found is not None, f"{name} is not installed: pip install -e '.[test]'")
    return found


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    tool("shellcheck")  # actionlint checks `run:` scripts with it when it is on PATH
    return subprocess.run(
        [tool("actionlint"), "-verbose", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PATH": TOOLS_PATH},
        cwd=ROOT,
    )


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads `on` as true
    return document


def steps(job: dict) -> list[dict]:
    return job["steps"]


def uses(document: dict) -> list[str]:
    return [s["uses"] for job in document["jobs"].values() for s in steps(job) if "uses" in s]


def test_actionlint_passes_on_every_workflow():
    workflows = sorted(WORKFLOWS.glob("*.yml"))
    assert PUBLISH in workflows
    done = actionlint(*workflows)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""
    assert 'Rule "shellcheck" was disabled' not in done.stderr


def test_actionlint_catches_mistakes_in_the_publish_workflow(tmp_path):
    text = PUBLISH.read_text(encoding="utf-8")
    assert "steps.pages.outputs.base_url" in text and "cp -R dist _site" in text
    broken = tmp_path / "publish.yml"
    broken.write_text(
        text.replace("steps.pages.outputs.base_url", "steps.pages.outputs.base_address").replace(
            "cp -R dist _site", "cp -R $FROM _site"
        ),
        encoding="utf-8",
    )
    done = actionlint(broken)
    assert done.returncode == 1
    assert 'property "base_address" is not defined' in done.stdout
    assert "SC2086" in done.stdout  # shellcheck ran on the step's script


def test_publish_runs_on_pushes_that_change_the_output_on_a_schedule_and_by_hand():
    triggers = load(PUBLISH)["on"]
    assert triggers["push"]["branches"] == ["main"]
    watched = ["events.yaml", "dist/**", "src/**", "pyproject.toml"]
    watched.append(".github/workflows/publish.yml")
    for path in watched:
        assert path in triggers["push"]["paths"]
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert crons and all(len(cron.split()) == 5 for cron in crons)
    assert "workflow_dispatch" in triggers


def test_publish_may_deploy_pages_and_nothing_more():
    document = load(PUBLISH)
    assert document["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert document["concurrency"]["group"]
    assert document["concurrency"]["cancel-in-progress"] is False  # never cut a deployment short


def test_publish_uses_the_official_pages_actions_at_current_versions():
    used = uses(load(PUBLISH))
    names = {entry.split("@")[0] for entry in used}
    assert names == set(PAGES_ACTIONS)
    for entry in used:
        name, version = entry.split("@")
        assert re.fullmatch(r"v\d+", version), entry
        assert int(version[1:]) >= PAGES_ACTIONS[name], entry


def test_publish_checks_then_exports_for_the_pages_address_and_uploads_that_folder():
    jobs = load(PUBLISH)["jobs"]
    build = steps(jobs["build"])
    scripts = [s.get("run", "") for s in build]

    def position(text: str) -> int:
        return next(i for i, script in enumerate(scripts) if text in script)

    assert position("pip install .") < position("rallycal check") < position("rallycal export")
    pages = next(s for s in build if s.get("uses", "").startswith("actions/configure-pages@"))
    export_step = build[position("rallycal export")]
    assert build.index(pages) < position("rallycal export")
    assert export_step["env"]["BASE_URL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"
    out = re.search(r"--out (\S+)", export_step["run"]).group(1)
    upload = next(
        s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == out
    assert build.index(upload) > position("rallycal export")

    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    (step,) = steps(deploy)
    assert step["uses"].startswith("actions/deploy-pages@")
    assert deploy["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"


def run_export_step(repo: Path, base_url: str) -> subprocess.CompletedProcess:
    """The workflow's export step, in a checkout at `repo`, as the runner would run it."""
    build = steps(load(PUBLISH)["jobs"]["build"])
    step = next(s for s in build if "rallycal export" in s.get("run", ""))
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env.update(BASE_URL=base_url, PATH=TOOLS_PATH)
    return subprocess.run(
        [tool("bash"), "-e", "-c", step["run"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def commit(repo: Path, when: str) -> None:
    git = tool("git")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "edit"]):
        if command[0] == "init" and (repo / ".git").exists():
            continue
        subprocess.run(
            [git, "-c", "user.name=Web person", "-c", "user.email=web@example.org", *command],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A repository like this one: the source and its committed dist/, for the Pages address."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(SEASON_2026, repo / "events.yaml")
    export(repo / "events.yaml", repo / "dist", base_url="https://fans.example.org/ara/")
    commit(repo, "2026-03-01T12:00:00Z")
    return repo


def test_the_export_step_publishes_the_committed_record_unchanged(checkout):
    done = run_export_step(checkout, "https://fans.example.org/ara")  # configure-pages: no slash
    assert done.returncode == 0, done.stderr
    assert snapshot(checkout / "_site") == snapshot(checkout / "dist")


@pytest.mark.slow
def test_the_export_step_stamps_only_what_changed_with_the_commit_time(checkout):
    source = checkout / "events.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "name: Olympus Rally\n", "name: Olympus Rally WA\n"
        ),
        encoding="utf-8",
    )
    commit(checkout, "2026-03-02T08:30:00Z")
    dist = snapshot(checkout / "dist")

    done = run_export_step(checkout, "https://fans.example.org/ara")
    assert done.returncode == 0, done.stderr
    site = snapshot(checkout / "_site")
    assert snapshot(checkout / "dist") == dist  # the committed record is not touched

    changed = site["round/olympus.ics"].decode()
    assert "SUMMARY:ARA R3: Olympus Rally WA\r\n" in changed
    assert "SEQUENCE:1\r\n" in changed and "DTSTAMP:20260302T083000Z\r\n" in changed
    for path in ("round/sno-drift.ics", "round/lake-superior.ics"):
        assert site[path] == dist[path]  # untouched rounds keep their stamps byte for byte

    shutil.rmtree(checkout / "_site")
    assert run_export_step(checkout, "https://fans.example.org/ara").returncode == 0
    assert snapshot(checkout / "_site") == site  # a rerun for the same commit: the same bytes


def test_the_export_step_refuses_to_publish_a_removal_the_record_does_not_allow(checkout):
    source = checkout / "events.yaml"
    text = source.read_text(encoding="utf-8")
    start, end = text.index("  - id: olympus\n"), text.index("  - id: southern-ohio-forest\n")
    source.write_text(text[:start] + text[end:], encoding="utf-8")
    commit(checkout, "2026-03-03T09:00:00Z")

    done = run_export_step(checkout, "https://fans.example.org/ara")
    assert done.returncode == 1
    assert "would disappear for subscribers" in done.stderr


def run_step(repo: Path, command: str) -> subprocess.CompletedProcess:
    """The build job's step that runs `command`, in a checkout at `repo`, as the runner would."""
    build = steps(load(PUBLISH)["jobs"]["build"])
    step = next(s for s in build if command in s.get("run", ""))
    return subprocess.run(
        [tool("bash"), "-e", "-c", step["run"]],
        cwd=repo,
        env={**os.environ, "PATH": TOOLS_PATH},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_check_step_turns_a_season_that_is_over_into_an_annotation(tmp_path):
    (tmp_path / "events.yaml").write_text(  # a season long over, whatever today is
        SEASON_2026.read_text(encoding="utf-8").replace("2026", "2020"), encoding="utf-8"
    )
    done = run_step(tmp_path, "rallycal check")
    assert done.returncode == 0, done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith(
        "::warning title=rallycal check::the 2020 season ended on 2020-10-10 and no later "
        "season is in events.yaml; add the "
    )
    assert "warning: the 2020 season ended" in done.stderr  # the log keeps the line too


def test_the_check_step_fails_on_a_broken_source_and_shows_why(tmp_path):
    (tmp_path / "events.yaml").write_text("series: [\n", encoding="utf-8")
    done = run_step(tmp_path, "rallycal check")
    assert done.returncode == 1
    assert done.stderr.startswith("events.yaml:")
