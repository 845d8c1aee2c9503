"""Gantry's `/v1` as an OpenAI program sees it: the official `openai` client library against
a running `gantry serve` (GANTRY_URL) with an API key (GANTRY_KEY) whose owner has a persona
named "Pirate". Run by `gantry-cli/tests/openai_client.rs`, which starts the server.
"""

import json
import os
import time
import unittest
import urllib.request

import openai

URL = os.environ["GANTRY_URL"]
KEY = os.environ["GANTRY_KEY"]
client = openai.OpenAI(base_url=f"{URL}/v1", api_key=KEY, max_retries=0, timeout=120)


def gantry(path):
    """GET from Gantry's own API with the same key."""
    request = urllib.request.Request(f"{URL}{path}", headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def backend_model():
    """A model the backend serves (not a persona)."""
    return next(m.id for m in client.models.list() if m.owned_by != "gantry")


class OpenAiClient(unittest.TestCase):
    def test_models_list_backend_models_and_personas(self):
        models = list(client.models.list())
        owners = {m.id: m.owned_by for m in models}
        self.assertEqual(owners.get("Pirate"), "gantry", owners)
        self.assertTrue(any(owner != "gantry" for owner in owners.values()), owners)

    def test_a_whole_answer_is_saved_in_a_conversation_with_its_usage(self):
        raw = client.chat.completions.with_raw_response.create(
            model=backend_model(),
            messages=[
                {"role": "system", "content": "Answer in one short sentence."},
                {"role": "user", "content": "Say hello to Ada."},
            ],
            max_tokens=24,
        )
        completion = raw.parse()
        self.assertEqual(completion.object, "chat.completion")
        answer = completion.choices[0].message
        self.assertEqual(answer.role, "assistant")
        self.assertTrue(answer.content.strip(), completion)
        self.assertIn(completion.choices[0].finish_reason, ("stop", "length"))
        self.assertGreater(completion.usage.prompt_tokens, 0)
        self.assertGreater(completion.usage.completion_tokens, 0)
        self.assertLessEqual(completion.usage.completion_tokens, 24)
        self.assertEqual(
            completion.usage.total_tokens,
            completion.usage.prompt_tokens + completion.usage.completion_tokens,
        )

        conversation = raw.headers["x-gantry-conversation-id"]
        saved = gantry(f"/api/chat/conversations/{conversation}/messages")["items"]
        self.assertEqual([m["role"] for m in saved], ["user", "assistant"])
        self.assertEqual(saved[0]["content"], "Say hello to Ada.")
        self.assertEqual(saved[1]["content"], answer.content)
        self.assertEqual(saved[1]["completion_tokens"], completion.usage.completion_tokens)

    def test_a_streamed_answer_arrives_in_chunks_with_usage_last(self):
        stream = client.chat.completions.create(
            model=backend_model(),
            messages=[{"role": "user", "content": "Count from one to five."}],
            max_tokens=32,
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces, finish, usage, chunks = [], None, None, 0
        for chunk in stream:
            chunks += 1
            self.assertEqual(chunk.object, "chat.completion.chunk")
            if chunk.usage is not None:
                self.assertEqual(chunk.choices, [], "the usage chunk has no choices")
                usage = chunk.usage
                continue
            choice = chunk.choices[0]
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
        text = "".join(pieces)
        self.assertTrue(text.strip())
        self.assertGreater(chunks, 3, "tokens arrive one chunk at a time")
        self.assertIn(finish, ("stop", "length"))
        self.assertIsNotNone(usage, "stream_options.include_usage sends the usage")
        self.assertGreater(usage.completion_tokens, 0)

        # The streamed text is what Gantry saved.
        found = gantry("/api/chat/conversations?limit=50")["items"]
        contents = []
        for conversation in found:
            messages = gantry(f"/api/chat/conversations/{conversation['id']}/messages")["items"]
            contents += [m["content"] for m in messages if m["role"] == "assistant"]
        self.assertIn(text, contents)

    def test_the_key_owners_memory_is_put_in_front_of_the_model(self):
        model = backend_model()
        client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Remember this: my cat Mittens sleeps on the piano."}],
            max_tokens=8,
        )
        # Wait until Gantry's indexes hold the message, as search shows.
        deadline = time.time() + 30
        while "Mittens" not in json.dumps(gantry("/api/chat/search?q=Mittens%20piano")):
            self.assertLess(time.time(), deadline, "the message is indexed within 30 s")
            time.sleep(0.5)
        # A new conversation, knowing nothing of the first: Gantry cites the earlier message.
        raw = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": "Where does my cat Mittens sleep?"}],
            max_tokens=16,
        )
        cited = raw.http_response.json()["gantry"]["citations"]
        self.assertTrue(
            any("piano" in c["excerpt"] and c["kind"] == "message" for c in cited), cited
        )

    def test_a_client_that_sends_only_its_question_continues_the_saved_conversation(self):
        model = backend_model()
        first = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": "My favourite colour is teal."}],
            max_tokens=8,
        )
        conversation = first.headers["x-gantry-conversation-id"]
        second = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": "What is my favourite colour?"}],
            max_tokens=8,
            extra_headers={"X-Gantry-Conversation-Id": conversation},
        )
        self.assertEqual(second.headers["x-gantry-conversation-id"], conversation)
        # The `user` field names a conversation too.
        third = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": "And my name?"}],
            max_tokens=8,
            user=conversation,
        )
        self.assertEqual(third.headers["x-gantry-conversation-id"], conversation)
        saved = gantry(f"/api/chat/conversations/{conversation}/messages")["items"]
        self.assertEqual(len(saved), 6, [m["content"] for m in saved])

    def test_a_persona_is_chosen_by_its_name_as_the_model(self):
        raw = client.chat.completions.with_raw_response.create(
            model="Pirate",
            messages=[{"role": "user", "content": "Hello"}],
            max_tokens=8,
        )
        conversation = gantry(f"/api/chat/conversations/{raw.headers['x-gantry-conversation-id']}")
        conversation = conversation["conversation"]
        personas = {p["id"]: p["name"] for p in gantry("/api/personas")}
        self.assertEqual(personas.get(conversation["persona_id"]), "Pirate")

    def test_embeddings_as_floats_and_as_base64(self):
        # The client asks for base64 unless told otherwise, and decodes it.
        vectors = client.embeddings.create(model="any", input=["a red fox", "a blue whale"])
        self.assertEqual([d.index for d in vectors.data], [0, 1])
        self.assertEqual(len(vectors.data[0].embedding), 384)
        self.assertGreater(vectors.usage.prompt_tokens, 0)
        floats = client.embeddings.create(model="any", input="a red fox", encoding_format="float")
        self.assertEqual(len(floats.data), 1)
        for a, b in zip(floats.data[0].embedding, vectors.data[0].embedding):
            self.assertAlmostEqual(a, b, places=5)

    def test_errors_come_in_openai_shape(self):
        with self.assertRaises(openai.AuthenticationError) as caught:
            openai.OpenAI(base_url=f"{URL}/v1", api_key="gk_wrong", max_retries=0).models.list()
        self.assertEqual(caught.exception.body["type"], "authentication_error")

        with self.assertRaises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model=backend_model(),
                messages=[{"role": "assistant", "content": "I spoke last"}],
            )
        self.assertEqual(caught.exception.body["param"], "messages")
        self.assertIn("question", caught.exception.body["message"])

        with self.assertRaises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model=backend_model(), messages=[{"role": "user", "content": "hi"}], n=2
            )
        self.assertEqual(caught.exception.body["param"], "n")

        with self.assertRaises(openai.NotFoundError):
            client.chat.completions.create(
                model=backend_model(),
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"X-Gantry-Conversation-Id": "00000000-0000-0000-0000-000000000000"},
            )


if __name__ == "__main__":
    unittest.main(verbosity=2)
