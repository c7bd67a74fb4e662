//! Bedrock's error shape: `{"message": ...}` and the `x-amzn-ErrorType`
//! header naming the exception, as botocore reads them.

use serde_json::json;

use crate::rejection::Rejection;

/// A Bedrock error of exception type `kind`.
pub(crate) fn bedrock_error(status: u16, kind: &str, message: impl Into<String>) -> Rejection {
    let message = message.into();
    Rejection::new(
        status,
        json!({"message": message}),
        format!("{kind}: {message}"),
    )
    .with_header(
        "x-amzn-ErrorType",
        format!("{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
    )
}

/// The 400 Bedrock answers to an invalid request.
pub(crate) fn validation(message: impl Into<String>) -> Rejection {
    bedrock_error(400, "ValidationException", message)
}

/// Bedrock's answer when it fails with `status`.
pub(crate) fn failure(status: u16) -> Rejection {
    match status {
        429 => bedrock_error(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again. (simulated)",
        ),
        503 | 529 => bedrock_error(
            503,
            "ServiceUnavailableException",
            "Bedrock is unable to process your request. (simulated)",
        ),
        s => bedrock_error(
            s.max(500),
            "InternalServerException",
            format!("The server encountered an internal error (simulated {s})"),
        ),
    }
}
