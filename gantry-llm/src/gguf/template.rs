//! The model's own chat template (Jinja, from the GGUF's `tokenizer.chat_template`), so a
//! prompt is laid out exactly as the model was trained on, system prompt default included.

use gantry_core::llm::ChatMessage;
use gantry_core::{Error, Result};
use minijinja::{Environment, ErrorKind};
use serde::Serialize;

/// A compiled chat template with the model's special tokens.
#[derive(Debug)]
pub(crate) struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

#[derive(Serialize)]
struct TemplateMessage<'a> {
    role: &'static str,
    content: &'a str,
}

const NAME: &str = "chat";

impl ChatTemplate {
    /// Compiles `source` the way Hugging Face's `apply_chat_template` runs it: blocks trim
    /// their newline and leading whitespace, Python string methods (`strip`, `startswith`,
    /// ...) work, and `raise_exception` fails the render with the template's message.
    pub(crate) fn new(source: &str, bos_token: String, eos_token: String) -> Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |message: String| -> std::result::Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
            },
        );
        env.add_template_owned(NAME, source.to_owned())
            .map_err(|e| {
                Error::invalid(
                    "chat_template",
                    format!("the model's chat template does not compile: {e}"),
                )
            })?;
        Ok(Self {
            env,
            bos_token,
            eos_token,
        })
    }

    /// The prompt text for `messages`, ending where the assistant's answer begins.
    pub(crate) fn render(&self, messages: &[ChatMessage]) -> Result<String> {
        let messages: Vec<TemplateMessage<'_>> = messages
            .iter()
            .map(|m| TemplateMessage {
                role: m.role.as_str(),
                content: &m.content,
            })
            .collect();
        let template = self
            .env
            .get_template(NAME)
            .map_err(|e| Error::internal_from("finding the chat template", e))?;
        template
            .render(minijinja::context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => self.bos_token,
                eos_token => self.eos_token,
            })
            .map_err(|e| {
                Error::invalid(
                    "messages",
                    format!("the model's chat template refused them: {e}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use gantry_core::model::MessageRole;

    use super::*;

    /// SmolLM2-Instruct's template, as its GGUF carries it.
    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    fn message(role: MessageRole, content: &str) -> ChatMessage {
        ChatMessage {
            role,
            content: content.to_owned(),
        }
    }

    #[test]
    fn the_default_system_prompt_is_kept_when_none_is_given() {
        let template = ChatTemplate::new(SMOLLM2, String::new(), "<|im_end|>".into()).unwrap();
        let prompt = template
            .render(&[message(MessageRole::User, "Hi")])
            .unwrap();
        assert_eq!(
            prompt,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let prompt = template
            .render(&[
                message(MessageRole::System, "Be brief."),
                message(MessageRole::User, "Hi"),
            ])
            .unwrap();
        assert!(prompt.starts_with("<|im_start|>system\nBe brief.<|im_end|>\n"));
    }

    #[test]
    fn python_methods_and_raise_exception_work() {
        let source = "{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}{{ bos_token }}{{ messages[0].content.strip() }}";
        let template = ChatTemplate::new(source, "<s>".into(), "</s>".into()).unwrap();
        assert_eq!(
            template
                .render(&[message(MessageRole::User, "  hi ")])
                .unwrap(),
            "<s>hi"
        );
        let err = template
            .render(&[message(MessageRole::System, "x")])
            .unwrap_err();
        assert!(err.to_string().contains("first must be user"), "{err}");
        assert!(ChatTemplate::new("{% for %}", String::new(), String::new()).is_err());
    }
}
