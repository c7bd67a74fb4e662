//! OpenAI and Azure OpenAI (placeholder until the resp part lands its codecs).

pub(crate) mod chat;
