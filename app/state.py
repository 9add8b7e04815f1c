"""Process-wide resources of the app: configuration, the engine, background jobs.

The engine (catalog, index snapshot, embedder, answerers) is built once per
process with ``st.cache_resource`` and shared by every session; it is
thread-safe (sessions per call, a locked snapshot cache), and it follows the
live index generation by itself, so a re-index needs no restart.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st

from shirube.api import Shirube, job_runner

from .jobs import JobBoard


@dataclass(frozen=True)
class AppConfig:
    home: str
    # Folders holding the original files of documents ingested with the CLI
    # (e.g. samples/): the source viewer renders their PDF pages.
    sources: tuple[str, ...] = ()
    # "local" (users table + password) or "oidc" (st.login, roles from the users table).
    auth: str = "local"


# Tests set this instead of command-line arguments.
config_override: AppConfig | None = None


def app_config(argv: list[str] | None = None) -> AppConfig:
    """``streamlit run app/main.py -- --home DIR [--sources DIR] [--auth oidc]``; home defaults to $SHIRUBE_HOME.

    Only SHIRUBE_HOME is read from the environment: Settings rejects other
    unknown SHIRUBE_* names, so the app's own options are arguments.
    """
    if config_override is not None and argv is None:
        return config_override
    if argv is None:
        # Under pytest/AppTest sys.argv belongs to the test runner: ignore it.
        argv = sys.argv[1:] if Path(sys.argv[0]).name == "main.py" else []
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--home")
    ap.add_argument("--sources", action="append")
    ap.add_argument("--auth", choices=("local", "oidc"))
    ns, _ = ap.parse_known_args(argv)
    home = ns.home or os.environ.get("SHIRUBE_HOME") or ".shirube"
    return AppConfig(home=str(home), sources=tuple(ns.sources or ()), auth=ns.auth or "local")


def _open(home: str) -> Shirube:
    return Shirube.open(home=home)


# Tests replace this to build the engine differently (e.g. a slow embedder).
engine_factory: Callable[[str], Shirube] = _open


@st.cache_resource(show_spinner="索引とモデルを読み込んでいます…")
def engine(home: str) -> Shirube:
    """The one engine of this process for ``home``; models loaded up front. Its ingest-job
    worker starts here and resumes the jobs an earlier run of the app left unfinished."""
    sh = engine_factory(home)
    if sh.store.load() is not None:
        sh.embedder  # noqa: B018 - load the model now, not on the first question
    sh.jobs.start_worker(resume=True, runner=job_runner(sh))  # each job in a lower-priority child process
    return sh


@st.cache_resource
def jobs(home: str) -> JobBoard:
    """Background jobs (re-index) of this process, shared by every admin session."""
    return JobBoard()
