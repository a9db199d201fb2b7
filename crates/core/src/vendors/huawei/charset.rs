//! Turns a gateway answer's bytes into text. Gateways in China answer in GBK (or GB18030) and
//! say so in the `Content-Type` charset; Huawei's own demo clients decode by that charset.
//! Everything else is read as UTF-8, lossily: a stray byte in an agent name or a message must
//! never cost the whole answer.

use encoding_rs::{Encoding, GB18030, GBK};
use reqwest::header::HeaderValue;
use std::borrow::Cow;

/// The answer's text, decoded by the charset its `Content-Type` names.
pub fn decode<'a>(content_type: Option<&HeaderValue>, body: &'a [u8]) -> Cow<'a, str> {
    match content_type.and_then(chinese_encoding) {
        // Undecodable sequences become U+FFFD here too, never an error.
        Some(encoding) => encoding.decode_without_bom_handling(body).0,
        None => {
            let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
            String::from_utf8_lossy(body)
        }
    }
}

/// GBK or GB18030 when the charset is one of their labels (`gbk`, `gb2312`, `gb18030`, and
/// the WHATWG aliases such as `x-gbk`); `None` for UTF-8 and everything else.
fn chinese_encoding(content_type: &HeaderValue) -> Option<&'static Encoding> {
    let content_type = content_type.to_str().ok()?;
    let charset = content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })?;
    Encoding::for_label(charset.as_bytes()).filter(|e| *e == GBK || *e == GB18030)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(content_type: &'static str, body: &[u8]) -> String {
        decode(Some(&HeaderValue::from_static(content_type)), body).into_owned()
    }

    #[test]
    fn gbk_family_charsets_are_decoded() {
        // "座席" in GBK (which GB2312 and GB18030 share for these characters).
        let gbk = b"\xd7\xf9\xcf\xaf";
        assert_eq!(text("application/json;charset=GBK", gbk), "座席");
        assert_eq!(text("application/json; charset=\"gb2312\"", gbk), "座席");
        assert_eq!(text("application/json; Charset=gb18030", gbk), "座席");
        assert_eq!(text("application/json; charset=x-gbk", gbk), "座席");
    }

    #[test]
    fn anything_else_is_lossy_utf8() {
        assert_eq!(
            text("application/json; charset=UTF-8", "座席".as_bytes()),
            "座席"
        );
        assert_eq!(text("application/json", b"a\xffb"), "a\u{FFFD}b");
        // A charset we do not decode (not Chinese) is read as UTF-8 rather than refused.
        assert_eq!(text("application/json; charset=latin1", b"ok"), "ok");
        assert_eq!(decode(None, b"\xEF\xBB\xBF{}"), "{}");
        // GBK bytes mislabelled as UTF-8 lose their characters, not the answer.
        assert_eq!(
            text("application/json;charset=UTF-8", b"\xd7\xf9"),
            "\u{FFFD}\u{FFFD}"
        );
    }
}
