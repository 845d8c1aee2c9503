"""Chat against the real llama.cpp server and the MiniLM embedder: whole answers,
streams, documents cited in answers, memory, and the GIL released while waiting."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import gantry
from conftest import new_user


def test_chat_returns_the_saved_answer_with_its_usage(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    chat = me.conversations.create("Greetings")
    answer = me.chat(chat, "Say hello in one short sentence.")
    assert (answer.role, answer.status, answer.conversation_id) == ("assistant", "complete", chat.id)
    assert answer.content.strip()
    assert answer.usage is not None
    assert answer.usage.prompt_tokens > 0 and answer.usage.completion_tokens > 0
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert answer.timings is not None and answer.timings.total_ms >= 0
    saved = me.conversations.messages(chat)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[0].content == "Say hello in one short sentence." and saved[0].usage is None
    assert saved[1].id == answer.id and saved[1].content == answer.content
    assert saved[1].usage == answer.usage


def test_chat_without_a_conversation_starts_one(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    answer = me.chat(None, "Name a colour.", max_tokens=8, temperature=0.0)
    assert [c.id for c in me.conversations.list()] == [answer.conversation_id]
    assert answer.usage is not None and answer.usage.completion_tokens <= 8


def test_stream_yields_the_context_then_tokens_then_the_saved_answer(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    chat = me.conversations.create()
    stream = me.stream(chat, "Count from one to five.")
    assert stream.question.role == "user" and stream.question.conversation_id == chat.id
    events = list(stream)
    kinds = [e.kind for e in events]
    assert kinds[0] == "context" and kinds[-1] == "done"
    assert set(kinds[1:-1]) == {"token"}, kinds
    tokens = [e.text for e in events if isinstance(e, gantry.TokenEvent)]
    done = events[-1]
    assert isinstance(done, gantry.DoneEvent)
    assert done.message.content == "".join(tokens)
    assert done.message.status == "complete" and done.message.usage is not None
    assert list(stream) == [], "a finished stream yields nothing more"
    match events[1]:
        case gantry.TokenEvent(text):
            assert text == tokens[0]
        case _:
            pytest.fail(f"not a token: {events[1]!r}")


def test_closing_a_stream_early_saves_the_answer_as_partial(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    chat = me.conversations.create()
    with me.stream(chat, "Write a long story about a lighthouse.", max_tokens=48) as stream:
        for event in stream:
            if isinstance(event, gantry.TokenEvent):
                break
    live.flush()
    answer = me.conversations.messages(chat)[-1]
    assert answer.role == "assistant"
    assert answer.status in ("partial", "complete")


def test_an_ingested_file_is_found_and_cited(live: gantry.Gantry, tmp_path: Path) -> None:
    me = new_user(live, "ada")
    path = tmp_path / "bluefin.txt"
    path.write_text(
        "Project Bluefin is the lighthouse restoration on Corvo island. "
        "Its budget is four hundred thousand euros and it ends in May.\n"
    )
    doc = me.ingest(path)
    assert doc.status == "ready"
    found = me.search("Bluefin lighthouse restoration")
    assert found.documents and found.documents[0].document.id == doc.id
    passages = me.search_passages("What is the budget of Project Bluefin?")
    assert passages and passages[0].document.id == doc.id

    answer = me.chat(None, "What is the budget of Project Bluefin?")
    cited = [c for c in answer.citations if c.kind == "chunk"]
    assert cited, answer.citations
    assert cited[0].parent_id == doc.id and cited[0].label == "bluefin.txt"
    assert "Bluefin" in cited[0].excerpt
    assert cited[0].number >= 1
    # The saved answer carries its citations too.
    saved = me.conversations.messages(answer.conversation_id)[-1]
    assert saved.citations == answer.citations


def test_another_user_cannot_chat_in_or_stream_into_a_conversation(live: gantry.Gantry) -> None:
    ada, bo = new_user(live, "ada"), new_user(live, "bo")
    chat = ada.conversations.create("Ada's")
    with pytest.raises(gantry.NotFound):
        bo.chat(chat, "Hello?")
    with pytest.raises(gantry.NotFound):
        bo.stream(chat.id, "Hello?")
    assert ada.conversations.messages(chat) == []


def test_facts_said_in_a_chat_are_remembered_and_forgotten(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    me.chat(None, "Marguerite works at Quillfeather Press.", max_tokens=8)
    live.flush()
    facts = me.memory.facts()
    fact = next(f for f in facts if f.subject == "Marguerite")
    assert (fact.predicate, fact.object) == ("works_at", "Quillfeather Press")
    assert fact.source_message_id is not None
    assert {"Marguerite", "Quillfeather Press"} <= {e.name for e in me.memory.entities()}
    me.memory.forget(fact)
    assert all(f.id != fact.id for f in me.memory.facts())


def test_models_and_embeddings(live: gantry.Gantry) -> None:
    assert live.has_chat_model and live.embedder_id
    models = live.models()
    assert models and all(m.backend == "default" for m in models)
    vectors = live.embed(["lemons", "oranges"])
    assert len(vectors) == 2 and len(vectors[0]) == 384
    with pytest.raises(gantry.InvalidInput):
        live.embed([])


def test_a_blocking_call_lets_other_threads_run(live: gantry.Gantry) -> None:
    me = new_user(live, "ada")
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        started = time.monotonic()
        me.chat(None, "Tell me about the sea.", max_tokens=32)
        took = time.monotonic() - started
    finally:
        done.set()
        counter.join()
    # With the GIL held for the whole call the counter could not have moved.
    assert ticks > 10 and ticks > took * 100, (ticks, took)
