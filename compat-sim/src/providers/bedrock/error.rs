//! Bedrock's error shape: `{"message": ...}` and the `x-amzn-ErrorType`
//! header naming the exception, as botocore reads them.

use serde_json::json;

use crate::wire::rejection::Rejection;

/// A Bedrock error of exception type `kind`.
pub(crate) fn bedrock_error(
    rule: &'static str,
    status: u16,
    kind: &str,
    message: impl Into<String>,
) -> Rejection {
    let message = message.into();
    Rejection::new(
        rule,
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
pub(crate) fn validation(rule: &'static str, message: impl Into<String>) -> Rejection {
    bedrock_error(rule, 400, "ValidationException", message)
}

/// The exception Bedrock Runtime names for each HTTP status it answers
/// InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream
/// with, and a message in its words. Evidence: the "Errors" sections of the
/// Amazon Bedrock API Reference (`API_runtime_InvokeModel.html`,
/// `API_runtime_Converse.html`) and botocore's bedrock-runtime exceptions
/// (docs.aws.amazon.com/botocore/latest/reference/services/bedrock-runtime/client/exceptions/).
/// Where two exceptions share a status (400 ValidationException and
/// ServiceQuotaExceededException, 429 ThrottlingException and
/// ModelNotReadyException) the commoner one is served.
pub(crate) const STATUSES: &[(u16, &str, &str)] = &[
    (
        400,
        "ValidationException",
        "The input fails to satisfy the constraints specified by Amazon Bedrock. (simulated)",
    ),
    (
        403,
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID. (simulated)",
    ),
    (
        404,
        "ResourceNotFoundException",
        "The specified resource ARN was not found. (simulated)",
    ),
    (
        408,
        "ModelTimeoutException",
        "The request took too long to process. Processing time exceeded the model timeout length. (simulated)",
    ),
    (
        424,
        "ModelErrorException",
        "The request failed due to an error while processing the model. (simulated)",
    ),
    (
        429,
        "ThrottlingException",
        "Too many requests, please wait before trying again. (simulated)",
    ),
    (
        500,
        "InternalServerException",
        "The server encountered an internal error. (simulated)",
    ),
    (
        503,
        "ServiceUnavailableException",
        "Bedrock is unable to process your request. (simulated)",
    ),
];

/// Bedrock's answer when it fails with `status`, or `None` for a status
/// Bedrock Runtime never answers (a 529, a 502): the fault switch refuses
/// those before a request is served (`crate::check_fault`).
pub(crate) fn failure(status: u16) -> Option<Rejection> {
    STATUSES
        .iter()
        .find(|(s, ..)| *s == status)
        .map(|(s, kind, message)| bedrock_error("fault.upstream_failure", *s, kind, *message))
}
