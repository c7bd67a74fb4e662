//! What a provider accepts of a feature, one file per feature: the betas,
//! context limits and editing, effort, tool names and schemas, deferred
//! tools, tool input streaming, web search and structured answers. Where a
//! feature also has a model side (effort's thinking, tool search's steps,
//! the web search answer, a structured instance), that side stays beside the
//! rule: one feature is one file. They stand on the wire vocabulary and the
//! fault switch, and know neither the scripted model nor any codec.

pub mod betas;
pub(crate) mod context;
pub(crate) mod context_editing;
pub(crate) mod conversation;
pub(crate) mod effort;
pub(crate) mod structured;
pub(crate) mod tool_rules;
pub(crate) mod tool_search;
pub(crate) mod tool_streaming;
pub(crate) mod web_search;
