//! The ground floor: the wire vocabulary every simulator speaks (a request
//! as it arrived, the answer a codec builds, the refusal, the record) and
//! the plain helpers on it. It imports nothing else of this crate, so
//! anything above can use it without being used back.

pub(crate) mod answer;
pub(crate) mod api;
pub(crate) mod body;
pub mod creds;
pub mod document;
pub mod hosts;
pub mod image;
pub mod ledger;
mod ledger_gen;
pub(crate) mod record;
pub(crate) mod rejection;
pub(crate) mod request;
pub(crate) mod response;
mod rule;
