//! The in-process model against a real peer: llama.cpp's `llama-server` (from
//! `scripts/llm-server`, `GANTRY_LLM_URL`) serving the same GGUF file. The prompt text and
//! its token ids must be identical; and fed llama-server's own greedy continuation, the
//! in-process model must pick the same next token wherever llama-server's two likeliest
//! tokens are more than 0.2 apart in log-probability (closer calls may go either way: the
//! two builds' arithmetic differs in the last bits).

use gantry_core::llm::ChatMessage;
use gantry_core::model::MessageRole;
use serde_json::{Value, json};

use super::gguf::shared_model;
use super::real_server::SERVER;

/// Ten fixed conversations: plain questions, system prompts, several turns, numbers,
/// code, and text outside ASCII.
fn prompts() -> Vec<Vec<ChatMessage>> {
    let user = |text: &str| ChatMessage {
        role: MessageRole::User,
        content: text.to_owned(),
    };
    let system = |text: &str| ChatMessage {
        role: MessageRole::System,
        content: text.to_owned(),
    };
    let assistant = |text: &str| ChatMessage {
        role: MessageRole::Assistant,
        content: text.to_owned(),
    };
    vec![
        vec![user("What is the capital of France?")],
        vec![user("Write a haiku about the sea.")],
        vec![
            system("You are a terse assistant."),
            user("Explain photosynthesis."),
        ],
        vec![user("What is 17 times 23? Show your working.")],
        vec![user(
            "Translate 'good morning' into Portuguese and Spanish.",
        )],
        vec![
            user("My sister Maya lives in Porto."),
            assistant("Porto is a lovely city on the Douro river."),
            user("Where does my sister live?"),
        ],
        vec![user("Write a Python function that reverses a string.")],
        vec![
            system("Answer in one sentence."),
            user("Why is the sky blue?"),
        ],
        vec![user(
            "Café, naïve, jalapeño: what do these words have in common? 😀",
        )],
        vec![user(
            "List three prime numbers above 100, then say which is largest.",
        )],
    ]
}

/// Strings that tokenizers commonly get wrong.
const HARD_STRINGS: &[&str] = &[
    "  leading spaces",
    "trailing spaces   ",
    "tabs\tand\nnewlines\n\n",
    "1234567890 3.14159 1,000,000",
    "emoji 😀👍🏽 and CJK 你好世界 and Korean 안녕하세요",
    "<|im_start|>user\nspecial tokens inline<|im_end|>",
    "don't won't it's y'all",
    "URL https://example.com/a?b=c&d=e#f",
    "    def f(x):\n        return x ** 2",
    "ÀÉÎÕÜ ß ø å",
];

async fn post(client: &reqwest::Client, url: &str, body: Value) -> Value {
    let response = client.post(url).json(&body).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn ids(value: &Value) -> Vec<u32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|id| u32::try_from(id.as_u64().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn prompts_tokens_and_greedy_choices_match_llama_server() {
    let Some(url) = gantry_test::service("GANTRY_LLM_URL", "parity with llama-server") else {
        return;
    };
    let Some(model) = shared_model() else { return };
    let _turn = SERVER.lock().await;
    let base = url.trim_end_matches('/').trim_end_matches("/v1").to_owned();
    let client = reqwest::Client::new();

    for text in HARD_STRINGS {
        let theirs = post(
            &client,
            &format!("{base}/tokenize"),
            json!({ "content": text, "add_special": true, "parse_special": true }),
        )
        .await;
        assert_eq!(
            model.tokenize(text),
            ids(&theirs["tokens"]),
            "tokens of {text:?}"
        );
    }

    let (mut compared, mut near_ties, mut positions) = (0, 0, 0);
    for messages in prompts() {
        let wire: Vec<Value> = messages
            .iter()
            .map(|m| json!({ "role": m.role.as_str(), "content": m.content }))
            .collect();
        let theirs = post(
            &client,
            &format!("{base}/apply-template"),
            json!({ "messages": wire }),
        )
        .await;
        let prompt = model.render(&messages).unwrap();
        assert_eq!(
            prompt,
            theirs["prompt"].as_str().unwrap(),
            "the template's text"
        );
        let tokens = model.tokenize(&prompt);
        let their_tokens = post(
            &client,
            &format!("{base}/tokenize"),
            json!({ "content": prompt, "add_special": true, "parse_special": true }),
        )
        .await;
        assert_eq!(
            tokens,
            ids(&their_tokens["tokens"]),
            "the prompt's token ids"
        );

        let completion = post(
            &client,
            &format!("{base}/completion"),
            json!({
                "prompt": tokens, "n_predict": 64, "temperature": 0.0, "n_probs": 2,
                "cache_prompt": false, "return_tokens": true, "seed": 1
            }),
        )
        .await;
        // The tokens llama-server generated, and its top-2 log-probabilities. It reports a
        // character split over several tokens (an emoji) as one entry, carrying the last
        // token's id and figures: the tokens before it in that character are not compared.
        let generated = ids(&completion["tokens"]);
        let steps = completion["completion_probabilities"].as_array().unwrap();
        assert!(!generated.is_empty() && !steps.is_empty(), "{completion}");
        let ours = model.likeliest_next(&tokens, &generated).unwrap();
        let mut steps = steps.iter().peekable();
        for (j, &theirs) in generated.iter().enumerate() {
            positions += 1;
            let Some(step) = steps.next_if(|s| s["id"].as_u64() == Some(u64::from(theirs))) else {
                near_ties += 1; // Inside a split character: no figures for this token.
                continue;
            };
            let top = step["top_logprobs"].as_array().unwrap();
            assert_eq!(
                top[0]["id"].as_u64(),
                Some(u64::from(theirs)),
                "greedy takes the top"
            );
            let margin = top[0]["logprob"].as_f64().unwrap() - top[1]["logprob"].as_f64().unwrap();
            if margin <= 0.2 {
                near_ties += 1;
                continue;
            }
            compared += 1;
            assert_eq!(
                ours[j], theirs,
                "step {j} of {prompt:?}: llama-server chose {} (margin {margin:.3}), in process {}",
                step["token"], ours[j]
            );
        }
        assert!(
            steps.next().is_none(),
            "every reported step was matched to a token"
        );
    }
    eprintln!(
        "parity: {compared} positions compared, {near_ties} near-ties or inside a character, of {positions}"
    );
    assert!(compared > 300, "{compared} positions compared");
}
