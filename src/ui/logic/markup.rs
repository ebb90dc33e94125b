//! The one piece of markdown the scenario texts use: `code` spans in backticks. The tour shows
//! them as `<code>`, never as raw backticks; the texts themselves stay as written.

/// A piece of text: plain, or a code span (without its backticks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span<'a> {
    Text(&'a str),
    Code(&'a str),
}

/// Splits `s` at backtick pairs. A backtick with no partner, or an empty pair, stays as text:
/// the reader sees exactly what was written rather than a span swallowing the rest.
pub fn code_spans(s: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    // Plain text runs from `text_from`; the next backtick is searched from `at`.
    let (mut text_from, mut at) = (0, 0);
    while let Some(open) = s[at..].find('`').map(|i| at + i) {
        match s[open + 1..].find('`').map(|i| open + 1 + i) {
            Some(close) if close > open + 1 => {
                if open > text_from {
                    out.push(Span::Text(&s[text_from..open]));
                }
                out.push(Span::Code(&s[open + 1..close]));
                (text_from, at) = (close + 1, close + 1);
            }
            // An empty pair is kept as written; a lone backtick too (nothing follows to pair).
            Some(close) => at = close + 1,
            None => break,
        }
    }
    if text_from < s.len() {
        out.push(Span::Text(&s[text_from..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{code_spans, Span::*};

    /// Backtick pairs become code spans, in Korean and English alike.
    #[test]
    fn pairs_become_code() {
        assert_eq!(
            code_spans("D1의 `배달취소`가 커밋된 뒤 `rider_assigned`(배차완료)"),
            vec![Text("D1의 "), Code("배달취소"), Text("가 커밋된 뒤 "), Code("rider_assigned"), Text("(배차완료)")]
        );
        assert_eq!(code_spans("`acks=1`"), vec![Code("acks=1")]);
    }

    /// Text without backticks is one plain span; empty text is nothing.
    #[test]
    fn plain_text_is_untouched() {
        assert_eq!(code_spans("no markup here"), vec![Text("no markup here")]);
        assert_eq!(code_spans(""), vec![]);
    }

    /// A lone or empty backtick pair stays as written instead of swallowing the rest.
    #[test]
    fn odd_backticks_stay_text() {
        assert_eq!(code_spans("a ` b"), vec![Text("a ` b")]);
        assert_eq!(code_spans("a `` b `c`"), vec![Text("a `` b "), Code("c")]);
        assert_eq!(code_spans("`x` and `"), vec![Code("x"), Text(" and `")]);
    }
}
