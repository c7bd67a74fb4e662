//! The AWS event-stream binary framing (`application/vnd.amazon.eventstream`),
//! as Bedrock streams responses and botocore's `EventStreamBuffer` (which
//! LiteLLM uses) decodes them, validating both CRCs:
//!
//! ```text
//! u32 total_len = 12 + headers_len + payload_len + 4   (big-endian)
//! u32 headers_len
//! u32 prelude_crc = CRC32 of the first 8 bytes
//! headers: { u8 name_len, name, u8 type (7 = string), u16 value_len, value }*
//! payload
//! u32 message_crc = CRC32 of everything before it
//! ```

use bytes::{BufMut, Bytes, BytesMut};

/// Encodes one frame with string headers.
pub fn encode_frame(headers: &[(&str, &str)], payload: &[u8]) -> Bytes {
    let mut h = BytesMut::new();
    for (name, value) in headers {
        h.put_u8(name.len() as u8);
        h.put_slice(name.as_bytes());
        h.put_u8(7);
        h.put_u16(value.len() as u16);
        h.put_slice(value.as_bytes());
    }
    let total = 12 + h.len() + payload.len() + 4;
    let mut out = BytesMut::with_capacity(total);
    out.put_u32(total as u32);
    out.put_u32(h.len() as u32);
    let prelude_crc = crc32fast::hash(&out[..8]);
    out.put_u32(prelude_crc);
    out.put_slice(&h);
    out.put_slice(payload);
    let message_crc = crc32fast::hash(&out);
    out.put_u32(message_crc);
    out.freeze()
}

/// A normal event frame (`:message-type: event`).
pub fn event_frame(event_type: &str, payload: &[u8]) -> Bytes {
    encode_frame(
        &[
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload,
    )
}

/// A decoded frame (for tests).
#[derive(Debug, PartialEq)]
pub struct Frame {
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

/// Decodes a buffer of whole frames, checking lengths and CRCs.
pub fn decode_frames(mut buf: &[u8]) -> Result<Vec<Frame>, String> {
    let mut frames = Vec::new();
    while !buf.is_empty() {
        if buf.len() < 16 {
            return Err(format!("truncated frame: {} bytes left", buf.len()));
        }
        let total = u32::from_be_bytes(buf[0..4].try_into().unwrap()) as usize;
        let hlen = u32::from_be_bytes(buf[4..8].try_into().unwrap()) as usize;
        let prelude_crc = u32::from_be_bytes(buf[8..12].try_into().unwrap());
        if crc32fast::hash(&buf[..8]) != prelude_crc {
            return Err("prelude CRC mismatch".into());
        }
        if total > buf.len() || total < 16 + hlen {
            return Err(format!("bad frame length {total}"));
        }
        let msg_crc = u32::from_be_bytes(buf[total - 4..total].try_into().unwrap());
        if crc32fast::hash(&buf[..total - 4]) != msg_crc {
            return Err("message CRC mismatch".into());
        }
        let mut h = &buf[12..12 + hlen];
        let mut headers = Vec::new();
        while !h.is_empty() {
            let n = h[0] as usize;
            let name = String::from_utf8_lossy(&h[1..1 + n]).into_owned();
            if h[1 + n] != 7 {
                return Err(format!("header {name}: unsupported type {}", h[1 + n]));
            }
            let vlen = u16::from_be_bytes([h[2 + n], h[3 + n]]) as usize;
            let value = String::from_utf8_lossy(&h[4 + n..4 + n + vlen]).into_owned();
            headers.push((name, value));
            h = &h[4 + n + vlen..];
        }
        frames.push(Frame {
            headers,
            payload: buf[12 + hlen..total - 4].to_vec(),
        });
        buf = &buf[total..];
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn matches_the_frame_litellm_accepted() {
        // The notes' known vector: the Invoke `chunk` frame for
        // {"type":"message_stop"} is 136 bytes and starts 00 00 00 88 00 00 00 4b 05 ba bc 22.
        // (That frame's payload was serialized by Python: `{"bytes": "..."}`.)
        let payload = format!(
            "{{\"bytes\": \"{}\"}}",
            base64::engine::general_purpose::STANDARD.encode("{\"type\":\"message_stop\"}")
        );
        let frame = event_frame("chunk", payload.as_bytes());
        assert_eq!(frame.len(), 136);
        assert_eq!(
            &frame[..12],
            &[0, 0, 0, 0x88, 0, 0, 0, 0x4b, 0x05, 0xba, 0xbc, 0x22]
        );
    }

    #[test]
    fn round_trips_and_detects_corruption() {
        let mut buf = event_frame("messageStart", br#"{"role":"assistant"}"#).to_vec();
        buf.extend_from_slice(&event_frame("messageStop", br#"{"stopReason":"end_turn"}"#));
        let frames = decode_frames(&buf).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(
            frames[1].headers[0],
            (":event-type".into(), "messageStop".into())
        );
        assert_eq!(frames[0].payload, br#"{"role":"assistant"}"#);
        let n = buf.len();
        buf[n - 1] ^= 0xff;
        assert_eq!(decode_frames(&buf).unwrap_err(), "message CRC mismatch");
    }
}
