"""The asyncio flavour, run with asyncio.run: the same operations awaited, streams as
async iterators, errors raised from the awaitable, calls running side by side."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

import gantry


def test_the_async_flavour_without_a_model(tmp_path: Path) -> None:
    async def main() -> None:
        async with await gantry.AsyncGantry.open(tmp_path, signup="open") as g:
            ada = await g.users.create("ada@example.com", "Ada", "a long passphrase")
            me = g.for_user(ada)
            assert (await me.me()) == ada
            chat = await me.conversations.create("Async")
            assert (await me.conversations.rename(chat, "Renamed")).title == "Renamed"
            doc = await me.ingest(b"Seventeen gulls live on the pier.", "gulls.txt")
            found = await me.search("gulls")
            assert [m.document.id for m in found.documents] == [doc.id]
            persona = await me.personas.create("Calm", "Be calm.")
            assert [p.id for p in await me.personas.list()] == [persona.id]
            assert (await me.memory.view()).facts == []
            assert (await me.export(chat, "markdown")).startswith(b"# Renamed")
            with pytest.raises(gantry.NotFound):
                await me.conversations.get(str(uuid.uuid4()))
            with pytest.raises(gantry.InvalidInput) as bad:
                await g.users.create("nope", "X", "a long passphrase")
            assert bad.value.field == "email"
            with pytest.raises(gantry.Unavailable):
                await me.chat(chat, "Hello?")
            session = await g.sign_in("ada@example.com", "a long passphrase")
            assert (await g.authenticate(session.token)).id == ada.id
            # Many calls at once, on the one runtime.
            titles = await asyncio.gather(
                *(me.conversations.create(f"Chat {i}") for i in range(10))
            )
            assert len({c.id for c in titles}) == 10
            assert len(await me.conversations.list()) == 11
            status = await g.index_status()
            assert status.keywords is not None

    asyncio.run(main())


def test_two_users_are_kept_apart_in_the_async_flavour(tmp_path: Path) -> None:
    async def main() -> None:
        async with await gantry.AsyncGantry.open(tmp_path) as g:
            ada = g.for_user(await g.users.create("ada@example.com", "Ada", "a passphrase!"))
            bo = g.for_user(await g.users.create("bo@example.com", "Bo", "a passphrase!"))
            chat = await ada.conversations.create("Private")
            with pytest.raises(gantry.NotFound):
                await bo.conversations.get(chat)
            with pytest.raises(gantry.NotFound):
                await bo.conversations.messages(chat.id)
            assert await bo.conversations.list() == []

    asyncio.run(main())


def test_async_chat_and_stream(tmp_path: Path, llm_url: str, minilm_dir: str) -> None:
    async def main() -> None:
        g = await gantry.AsyncGantry.open(
            tmp_path,
            backends=[gantry.Backend(llm_url, kind="llamacpp")],
            embedder=gantry.MiniLM(minilm_dir),
            context_length=1024,
            answer_tokens=48,
            max_context_tokens=400,
            title_with_model=False,
        )
        try:
            me = g.for_user(await g.users.create("ada@example.com", "Ada", "a passphrase!"))
            doc = await me.ingest(
                b"The Corvo lighthouse keeper is called Ilidio Fragoso.", "keeper.txt"
            )
            answer = await me.chat(None, "Who keeps the Corvo lighthouse?")
            assert answer.role == "assistant" and answer.usage is not None
            assert any(c.parent_id == doc.id for c in answer.citations), answer.citations

            kinds: list[str] = []
            text = ""
            async with await me.stream(answer.conversation_id, "Say it again.") as stream:
                async for event in stream:
                    kinds.append(event.kind)
                    if isinstance(event, gantry.TokenEvent):
                        text += event.text
                    elif isinstance(event, gantry.DoneEvent):
                        assert event.message.content == text
                        assert event.message.usage is not None
            assert kinds[0] == "context" and kinds[-1] == "done" and "token" in kinds

            other = g.for_user(await g.users.create("bo@example.com", "Bo", "a passphrase!"))
            with pytest.raises(gantry.NotFound):
                await other.stream(answer.conversation_id, "Hello?")
            # Two chats at once.
            both = await asyncio.gather(
                me.chat(None, "Name a fruit.", max_tokens=8),
                me.chat(None, "Name a tree.", max_tokens=8),
            )
            assert all(m.status == "complete" for m in both)
            # Cancelling an awaitable stops the work behind it.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(me.chat(None, "Tell a long story.", max_tokens=48), 0.01)
            assert (await g.index_status()).store_seq > 0
        finally:
            await g.close()

    asyncio.run(main())
