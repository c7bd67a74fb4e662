//! Bedrock Runtime: InvokeModel and Converse, with AWS event-stream framing
//! and SigV4 verification. (Codec under construction: until it lands, every
//! Bedrock request is recorded and rejected with Bedrock's error shape.)

use std::sync::Arc;

use axum::Router;

use super::SimState;
use super::codecs::SimProvider;

pub(crate) fn router(_p: SimProvider) -> Router<Arc<SimState>> {
    Router::new()
}
