//! Every simulator's rejection and behaviour tests, in one test binary: one
//! module per simulated API (a new provider adds one file here), plus the
//! fault switches.

mod common;

mod anthropic;
mod azure;
mod azure_openai;
mod bedrock_converse;
mod bedrock_invoke;
mod bedrock_mantle;
mod betas;
mod claude_platform_aws;
mod count_tokens;
mod faults;
mod ledger_rules;
mod openai;
mod openai_chat;
mod openai_faults;
mod openai_rules;
mod openai_web_search;
mod rehearsal;
mod sigv4;
mod stream_record;
mod vertex_ai;
mod web_search;
