//! Every piece of text on the page, in Korean and English.
//!
//! The table is plain data so that a test can check it without a browser: no key may be empty in
//! either language, and no key may appear twice. This file has no web dependency on purpose; the
//! native test in `tests/i18n.rs` includes it by path.

/// The page's language. Korean first: most readers come from a Korean blog post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    /// The BCP 47 tag used in `?lang=` and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Reads a `?lang=` value; anything but `ko` or `en` (any case) is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks a language from a browser language tag such as `ko-KR` or `en-US`: Korean for any
    /// `ko` tag, English for everything else.
    pub fn from_browser_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }
}

/// Text table: (key, Korean, English).
pub const TABLE: &[(&str, &str, &str)] = &[
    ("app.title", "Consistency Lab", "Consistency Lab"),
    (
        "app.tagline",
        "아웃박스, CDC, 카프카 순서와 멱등성을 직접 깨뜨려 보는 실험실",
        "Break and fix outbox, CDC, Kafka ordering and idempotency, live",
    ),
    ("lang.switch", "언어", "Language"),
    ("lang.ko", "한국어", "한국어"),
    ("lang.en", "English", "English"),
    ("topology.label", "파이프라인 구성도", "Pipeline topology"),
    ("topology.placeholder", "시뮬레이션이 곧 여기에 표시됩니다.", "The simulation will appear here soon."),
    ("embed.open_full", "전체 화면으로 열기 ↗", "Open the full playground ↗"),
    ("panic.title", "문제가 생겼습니다", "Something went wrong"),
    (
        "panic.body",
        "플레이그라운드에 오류가 발생해 멈췄습니다. 아래 버튼으로 처음 상태에서 다시 시작할 수 있습니다.",
        "The playground hit an error and stopped. The button below starts it again from a clean state.",
    ),
    ("panic.reset", "다시 시작", "Reset"),
];

/// The text for `key` in `lang`. An unknown key is a programming error: debug builds panic (which
/// shows the error panel), release builds show the key itself rather than nothing.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    match TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, ko, en)) => match lang {
            Lang::Ko => ko,
            Lang::En => en,
        },
        None => {
            debug_assert!(false, "unknown i18n key {key:?}");
            key
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key has text in both languages: an empty string would render as a silent gap.
    #[test]
    fn no_key_is_empty_in_either_language() {
        for (key, ko, en) in TABLE {
            assert!(!key.trim().is_empty(), "an i18n key is empty");
            assert!(!ko.trim().is_empty(), "key {key:?} has no Korean text");
            assert!(!en.trim().is_empty(), "key {key:?} has no English text");
        }
    }

    /// A duplicated key would make the second row dead text.
    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = TABLE.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate i18n key");
    }

    /// `t` returns the column of the asked language.
    #[test]
    fn t_picks_the_language() {
        assert_eq!(t(Lang::Ko, "panic.reset"), "다시 시작");
        assert_eq!(t(Lang::En, "panic.reset"), "Reset");
    }

    /// `?lang=` and the browser's language tag are read leniently but never guessed wrong.
    #[test]
    fn language_codes_parse() {
        assert_eq!(Lang::from_code("KO"), Some(Lang::Ko));
        assert_eq!(Lang::from_code("en"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_browser_tag("ko-KR"), Lang::Ko);
        assert_eq!(Lang::from_browser_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_browser_tag("kok"), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
    }
}
