"""The blocking flavour without a model: accounts, conversations, documents and keyword
search, personas, memory, export, and the errors each refusal raises."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

import gantry
from conftest import new_user


def test_the_module_reports_its_version() -> None:
    assert gantry.version() == gantry.__version__
    assert gantry.__version__.count(".") == 2


def test_accounts_are_created_found_listed_and_deleted(g: gantry.Gantry) -> None:
    ada = g.users.create("ada@example.com", "Ada", "a long passphrase", admin=True)
    assert (ada.email, ada.display_name, ada.role, ada.disabled) == (
        "ada@example.com",
        "Ada",
        "admin",
        False,
    )
    assert isinstance(ada.created_at, datetime) and ada.created_at.tzinfo is not None
    assert abs((datetime.now(timezone.utc) - ada.created_at).total_seconds()) < 60
    bo = g.users.register("bo@example.com", "Bo", "another passphrase")
    assert bo.role == "user"
    assert g.users.get(bo.id) == bo
    assert g.users.get(bo) == bo
    assert g.users.find("BO@example.com") == bo
    assert g.users.find("nobody@example.com") is None
    assert [u.email for u in g.users.list()] == ["ada@example.com", "bo@example.com"]
    assert len(g.users.list(limit=1)) == 1
    g.users.delete(bo)
    with pytest.raises(gantry.NotFound):
        g.users.get(bo.id)
    assert "bo@example.com" not in repr(g.users.list())


def test_signing_in_gives_a_session_that_authenticates(g: gantry.Gantry) -> None:
    ada = g.users.create("ada@example.com", "Ada", "a long passphrase")
    session = g.sign_in("ada@example.com", "a long passphrase")
    assert session.user == ada
    assert session.token not in repr(session), "the token is never shown"
    me = g.authenticate(session.token)
    assert me.id == ada.id
    assert me.me() == ada
    g.sign_out(session.token)
    with pytest.raises(gantry.Unauthenticated):
        g.authenticate(session.token)
    with pytest.raises(gantry.Unauthenticated) as refused:
        g.sign_in("ada@example.com", "the wrong passphrase")
    assert "wrong email or password" in str(refused.value)


def test_conversations_are_created_listed_renamed_pinned_archived_and_deleted(
    g: gantry.Gantry,
) -> None:
    me = new_user(g, "ada")
    first = me.conversations.create()
    assert first.title == "New conversation"
    second = me.conversations.create("Second")
    assert [c.title for c in me.conversations.list()] == ["Second", "New conversation"]
    renamed = me.conversations.rename(first, "First")
    assert (renamed.id, renamed.title) == (first.id, "First")
    assert me.conversations.pin(first).pinned
    assert [c.id for c in me.conversations.list()] == [first.id, second.id]
    assert not me.conversations.pin(first, pinned=False).pinned
    me.conversations.archive(second)
    assert [c.id for c in me.conversations.list()] == [first.id]
    assert [c.id for c in me.conversations.list(archived=True)] == [second.id]
    assert me.conversations.get(first.id) == me.conversations.get(first)
    assert me.conversations.messages(first) == []
    me.conversations.delete(second)
    with pytest.raises(gantry.NotFound):
        me.conversations.get(second)


def test_refusals_raise_their_own_exception_class(g: gantry.Gantry, tmp_path: Path) -> None:
    me = new_user(g, "ada")
    with pytest.raises(gantry.InvalidInput) as bad_email:
        g.users.create("not an email", "X", "a long passphrase")
    assert bad_email.value.field == "email"
    assert isinstance(bad_email.value, ValueError)
    assert isinstance(bad_email.value, gantry.GantryError)
    with pytest.raises(gantry.InvalidInput) as bad_id:
        me.conversations.get("not-an-id")
    assert bad_id.value.field == "conversation"
    with pytest.raises(gantry.InvalidInput) as too_long:
        me.conversations.create("x" * 10_000)
    assert too_long.value.field == "title"
    assert "title" in str(too_long.value)
    with pytest.raises(gantry.NotFound) as missing:
        me.conversations.get(str(uuid.uuid4()))
    assert isinstance(missing.value, LookupError)
    with pytest.raises(gantry.Conflict):
        g.users.create("ada@example.com", "Ada again", "a long passphrase")
    with pytest.raises(gantry.Unavailable) as no_model:
        me.chat(None, "Hello?")
    assert no_model.value.backend == "chat model"
    assert isinstance(no_model.value, gantry.ServiceError)
    with pytest.raises(gantry.InvalidInput) as empty_query:
        me.search("   ")
    assert empty_query.value.field == "query"
    with pytest.raises(gantry.InvalidInput):
        me.search("lemons", limit=0)
    with pytest.raises(gantry.InvalidInput) as no_name:
        me.ingest(b"some text")
    assert no_name.value.field == "filename"
    with pytest.raises(gantry.UnsupportedType):
        me.ingest(b"\x00\x01", "program.exe")
    with pytest.raises(FileNotFoundError):
        me.ingest(tmp_path / "missing.txt")
    with pytest.raises(TypeError):
        me.conversations.get(42)  # type: ignore[arg-type]
    with pytest.raises(gantry.InvalidInput) as bad_format:
        me.export(me.conversations.create(), "docx")  # type: ignore[arg-type]
    assert bad_format.value.field == "format"


def test_sign_up_follows_the_policy(tmp_path: Path) -> None:
    with gantry.Gantry.open(tmp_path) as closed:
        first = closed.users.register("ada@example.com", "Ada", "a long passphrase")
        assert first.role == "admin", "the first account is the admin"
        with pytest.raises(gantry.Forbidden):
            closed.users.register("bo@example.com", "Bo", "a long passphrase")
        assert closed.users.create("bo@example.com", "Bo", "a long passphrase").role == "user"


def test_opening_checks_its_arguments(tmp_path: Path) -> None:
    with pytest.raises(gantry.InvalidInput) as unknown_key:
        gantry.Gantry.open(tmp_path, backends=[{"url": "http://127.0.0.1:9/v1", "modle": "x"}])
    assert unknown_key.value.field == "backends"
    with pytest.raises(gantry.InvalidInput) as bad_kind:
        gantry.Gantry.open(tmp_path, backends=[gantry.Backend("http://x/v1", kind="gpt")])
    assert bad_kind.value.field == "kind"
    with pytest.raises(gantry.InvalidInput) as twice:
        gantry.Gantry.open(
            tmp_path,
            backends=[{"url": "http://a/v1", "name": "a"}, {"url": "http://b/v1", "name": "a"}],
        )
    assert twice.value.field == "backends"
    with pytest.raises(gantry.InvalidInput) as bad_mode:
        gantry.Gantry.open(tmp_path, extraction="sometimes")  # type: ignore[arg-type]
    assert bad_mode.value.field == "extraction"
    with pytest.raises(TypeError):
        gantry.Gantry.open(tmp_path, embedder=42)  # type: ignore[arg-type]
    with pytest.raises(gantry.InvalidInput):
        gantry.Gantry.open(tmp_path, context_length=100)
    # A backend is configured without being reached.
    with gantry.Gantry.open(
        tmp_path,
        backends=["http://127.0.0.1:9/v1", gantry.Backend("http://127.0.0.1:10/v1", name="b")],
    ) as opened:
        assert opened.has_chat_model
        assert opened.embedder_id is None
        assert opened.database == "sqlite"
        assert "chat_model=True" in repr(opened)


def test_a_store_only_gantry_manages_accounts_and_conversations(tmp_path: Path) -> None:
    with gantry.Gantry.open(tmp_path, store_only=True) as g:
        me = new_user(g, "ada")
        me.conversations.create("Kept")
        status = g.index_status()
        assert status.keywords is None and status.vectors is None
    with gantry.Gantry.open(tmp_path) as g:
        ada = g.users.find("ada@example.com")
        assert ada is not None
        assert [c.title for c in g.for_user(ada).conversations.list()] == ["Kept"]


def test_documents_are_ingested_searched_and_deleted(g: gantry.Gantry, tmp_path: Path) -> None:
    me = new_user(g, "ada")
    path = tmp_path / "lighthouse.md"
    path.write_text("# Lighthouse\n\nThe keeper of the lighthouse feeds seventeen gulls.\n")
    doc = me.ingest(path)
    assert (doc.filename, doc.status, doc.failure_reason) == ("lighthouse.md", "ready", None)
    assert doc.size_bytes == path.stat().st_size
    other = me.ingest(b"Porto has many orange trees.", "porto.txt", content_type="text/plain")
    assert other.content_type == "text/plain"

    found = me.search("seventeen gulls")
    assert [m.document.id for m in found.documents] == [doc.id]
    assert "<mark>" in found.documents[0].snippet
    by_name = me.search("porto")
    assert by_name.documents[0].document.id == other.id
    passages = me.search_passages("gulls", k=3)
    assert passages and passages[0].document.id == doc.id and "gulls" in passages[0].text
    assert passages[0].heading == "Lighthouse"

    assert {d.id for d in me.documents.list()} == {doc.id, other.id}
    assert me.documents.get(doc.id).status == "ready"
    me.documents.delete(doc)
    assert me.search("seventeen gulls").documents == []
    with pytest.raises(gantry.NotFound):
        me.documents.get(doc)

    later = me.ingest(b"Queued for later.", "later.txt", wait=False)
    assert later.status in ("processing", "ready")


def test_two_users_cannot_see_each_others_things(g: gantry.Gantry) -> None:
    ada, bo = new_user(g, "ada"), new_user(g, "bo")
    chat = ada.conversations.create("Ada's secret plans")
    doc = ada.ingest(b"Ada's treasure is buried under the old oak.", "treasure.txt")
    for attempt in (
        lambda: bo.conversations.get(chat),
        lambda: bo.conversations.rename(chat, "Mine now"),
        lambda: bo.conversations.messages(chat),
        lambda: bo.conversations.delete(chat),
        lambda: bo.export(chat),
        lambda: bo.documents.get(doc),
        lambda: bo.documents.delete(doc),
    ):
        with pytest.raises(gantry.NotFound):
            attempt()
    assert bo.conversations.list() == []
    assert bo.documents.list() == []
    found = bo.search("treasure")
    assert found.conversations == [] and found.documents == []
    assert ada.conversations.get(chat).title == "Ada's secret plans"
    assert ada.search("treasure").documents[0].document.id == doc.id


def test_personas_are_created_listed_updated_and_deleted(g: gantry.Gantry) -> None:
    me = new_user(g, "ada")
    pirate = me.personas.create("Pirate", "Answer like a pirate.", temperature=0.7)
    assert (pirate.name, pirate.temperature, pirate.is_default, pirate.is_global) == (
        "Pirate",
        0.7,
        False,
        False,
    )
    assert me.personas.get(pirate.id) == pirate
    assert me.personas.named("Pirate") == pirate
    assert me.personas.named("Nobody") is None
    updated = me.personas.update(pirate, system_prompt="Arr.", is_default=True)
    assert (updated.system_prompt, updated.is_default, updated.temperature) == ("Arr.", True, 0.7)
    chat = me.conversations.create("Ahoy", persona=pirate)
    assert chat.persona_id == pirate.id
    assert [p.id for p in me.personas.list()] == [pirate.id]
    me.personas.delete(pirate)
    assert me.personas.list() == []
    with pytest.raises(gantry.InvalidInput) as bad:
        me.personas.create("Hot", "Too hot.", temperature=9.0)
    assert bad.value.field == "temperature"


def test_memory_starts_empty_and_forget_takes_facts_or_entities(g: gantry.Gantry) -> None:
    me = new_user(g, "ada")
    view = me.memory.view()
    assert view.entities == [] and view.facts == []
    assert me.memory.facts() == [] and me.memory.entities() == []
    with pytest.raises(gantry.NotFound):
        me.memory.forget_fact(str(uuid.uuid4()))
    with pytest.raises(TypeError):
        me.memory.forget("an id")  # type: ignore[arg-type]


def test_a_conversation_exports_and_imports_back(g: gantry.Gantry) -> None:
    ada, bo = new_user(g, "ada"), new_user(g, "bo")
    chat = ada.conversations.create("Recipes")
    exported = ada.export(chat)
    assert isinstance(exported, bytes)
    document = json.loads(exported)
    assert document["conversation"]["title"] == "Recipes"
    markdown = ada.export(chat, "markdown").decode()
    assert markdown.startswith("# Recipes")
    assert ada.export(chat, "pdf").startswith(b"%PDF")
    copy = bo.import_conversation(exported)
    assert (copy.title, copy.id != chat.id) == ("Recipes", True)
    assert [c.title for c in bo.conversations.list()] == ["Recipes"]


def test_results_are_frozen_values(g: gantry.Gantry) -> None:
    me = new_user(g, "ada")
    chat = me.conversations.create("Frozen")
    with pytest.raises(AttributeError):
        chat.title = "Thawed"  # type: ignore[misc]
    assert chat == me.conversations.get(chat)
    assert repr(chat) == f"Conversation(id='{chat.id}', title='Frozen')"
    assert isinstance(chat.updated_at, datetime)


def test_a_closed_gantry_lets_its_directory_be_opened_again(tmp_path: Path) -> None:
    g = gantry.Gantry.open(tmp_path)
    me = new_user(g, "ada")
    chat = me.conversations.create("Before")
    assert not g.closed
    g.close()
    g.close()  # closing again does nothing
    assert g.closed and repr(g) == "Gantry(closed)"
    with pytest.raises(gantry.Unavailable) as closed:
        me.conversations.list()
    assert "closed" in str(closed.value)
    # The old objects still exist, yet hold nothing open.
    with gantry.Gantry.open(tmp_path) as again:
        ada = again.users.find("ada@example.com")
        assert ada is not None
        assert again.for_user(ada).conversations.get(chat.id).title == "Before"


def test_an_unreachable_model_server_raises_a_service_error(tmp_path: Path) -> None:
    with gantry.Gantry.open(tmp_path, backends=["http://127.0.0.1:9/v1"]) as g:
        me = new_user(g, "ada")
        chat = me.conversations.create()
        with pytest.raises(gantry.ServiceError) as failed:
            me.chat(chat, "Hello?")
        assert "127.0.0.1:9" in failed.value.backend
        stream = me.stream(chat, "Hello again?")
        with pytest.raises(gantry.ServiceError):
            for _ in stream:
                pass
        # The questions are kept, each with the answer that failed.
        saved = me.conversations.messages(chat)
        assert [m.role for m in saved if m.role == "user"] == ["user", "user"]
        assert all(m.status == "error" for m in saved if m.role == "assistant")
