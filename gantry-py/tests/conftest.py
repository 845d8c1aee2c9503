"""Fixtures: a Gantry on a temporary directory, with or without the real services.

Tests that need the llama.cpp server or the MiniLM model take ``llm_url`` or
``minilm_dir``: without ``GANTRY_LLM_URL`` / ``GANTRY_MINILM_DIR`` they skip, saying why,
except under CI (``CI=true``), where a missing service is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import gantry


def service(variable: str) -> str:
    """The value of ``variable``; skips the test without it (fails it under CI)."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    message = f"{variable} is not set: run the tests through scripts/test-python"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def llm_url() -> str:
    return service("GANTRY_LLM_URL")


@pytest.fixture
def minilm_dir() -> str:
    return service("GANTRY_MINILM_DIR")


@pytest.fixture
def g(tmp_path: Path) -> Iterator[gantry.Gantry]:
    """Gantry without a model: keyword retrieval, no chat, open sign-up."""
    with gantry.Gantry.open(tmp_path / "data", signup="open") as opened:
        yield opened


def open_live(data: Path, llm_url: str, minilm_dir: str) -> gantry.Gantry:
    """Gantry on the real llama-server (its small context shared by its slots, so short
    prompts and answers, as the Rust SDK's tests do) and the MiniLM embedder."""
    return gantry.Gantry.open(
        data,
        backends=[{"url": llm_url, "kind": "llamacpp"}],
        embedder=minilm_dir,
        extraction="deterministic",
        signup="open",
        context_length=1024,
        answer_tokens=48,
        max_context_tokens=400,
        title_with_model=False,
    )


@pytest.fixture
def live(tmp_path: Path, llm_url: str, minilm_dir: str) -> Iterator[gantry.Gantry]:
    """Gantry on the real llama-server and MiniLM."""
    with open_live(tmp_path / "data", llm_url, minilm_dir) as opened:
        yield opened


def new_user(g: gantry.Gantry, name: str) -> gantry.UserScope:
    """A new account's scope."""
    user = g.users.create(f"{name}@example.com", name.title(), "a long passphrase")
    return g.for_user(user)
