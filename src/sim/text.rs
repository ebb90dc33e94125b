//! User text in messages: the one escaping and truncating function every error path uses
//! when it echoes what a reader typed (a key, a command, a node, a value, a flag, a file path).

/// How many characters of a user's value a message shows (escapes included) before "…".
pub const ECHO_MAX: usize = 40;

/// `s` made safe to print inside a one-line message: control characters (newline, ESC, NUL, …),
/// bidi overrides and isolates, other invisible format characters and line separators are
/// written as `\u{..}`, and the result is cut to [`ECHO_MAX`] characters (on a character
/// boundary, never inside an escape) with "…" when it was longer.
pub fn echo(s: &str) -> String {
    echo_within(s, ECHO_MAX)
}

/// [`echo`] with another length: `max` characters at most before the "…". For text that is
/// mostly ours but may carry user text (a parser's message, a file path).
pub fn echo_within(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in s.chars() {
        let piece = if is_unsafe(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() };
        let len = piece.chars().count();
        if shown + len > max {
            out.push('…');
            return out;
        }
        shown += len;
        out.push_str(&piece);
    }
    out
}

/// Characters a terminal or a page would act on or hide rather than show: controls (C0, DEL,
/// C1), bidi marks, overrides and isolates, zero-width and other format characters, line and
/// paragraph separators, the BOM, interlinear annotations and tag characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(echo("broker-4"), "broker-4");
        assert_eq!(echo("배송"), "배송");
    }

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(echo("a\nb\u{1b}[31m\0"), "a\\u{a}b\\u{1b}[31m\\u{0}");
        assert_eq!(echo("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
    }

    #[test]
    fn long_text_is_cut_on_a_boundary() {
        let cut = echo(&"é".repeat(100_000));
        assert_eq!(cut.chars().count(), ECHO_MAX + 1);
        assert!(cut.ends_with('…'));
        // An escape is never split: 40 / 5 = 8 whole escapes fit.
        assert_eq!(echo(&"\n".repeat(50)), format!("{}…", "\\u{a}".repeat(8)));
        assert_eq!(echo(&"x".repeat(ECHO_MAX)), "x".repeat(ECHO_MAX));
    }
}
