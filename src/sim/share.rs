//! Share links: a whole scenario in the URL (`#s=<base64url>`), and the page's URL parameters.
//!
//! ```text
//! ?scenario=<id>   a built-in scenario (`lab list`)
//! &lang=ko|en      the page's language
//! &embed=1         the compact frame for a blog post (also 0, true, false)
//! &step=<n>        tour step n, counted from 1 as the page shows it ("step 2 of 5")
//! #s=<base64url>   a whole scenario: base64url (RFC 4648 §5, no padding) of its compact JSON
//! ```
//!
//! Links come from strangers, so everything here is strict and total: a bad link gives an error
//! that names the problem (which parameter, bad base64 at which position, bad UTF-8, bad JSON, or
//! the scenario field that is invalid), never a panic. Unknown parameters (`utm_source`, …) are
//! ignored: blogs and chat apps add them.
//!
//! Base64url is written by hand (about 60 lines) rather than pulling a crate in for it.

use std::fmt;

use serde_json::Value;

use super::builtin;
use super::config::Config;
use super::scenario::{parse_scenario, Scenario, UNTIL_MS_MAX};
use super::text::echo;

/// Longest `#s=` payload accepted, characters (a scenario of a few hundred commands fits; a
/// browser keeps URLs of this size).
pub const ENCODED_LEN_MAX: usize = 64 * 1024;

/// The page's language as a link names it. (The page's own `ui::i18n::Lang` has the same two
/// values; `sim` cannot depend on `ui`, so the link parser has its own.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// `ko`
    Ko,
    /// `en`
    En,
}

impl Lang {
    /// The code used in `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// `ko` or `en`, any case, surrounding spaces ignored.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

// ---------------------------------------------------------------------------------------------
// Scenario <-> #s=
// ---------------------------------------------------------------------------------------------

/// The scenario as a `#s=` payload: base64url without padding of its compact JSON. Config keys
/// equal to their defaults are left out (the parser fills them in again), so links stay short;
/// `decode(&encode(s)) == Ok(s)` for every valid scenario.
pub fn encode(scenario: &Scenario) -> String {
    // A Scenario is plain data: serialising it cannot fail.
    let mut value = serde_json::to_value(scenario).expect("a scenario always serialises");
    let defaults = serde_json::to_value(Config::default()).expect("a config always serialises");
    if let (Some(Value::Object(config)), Value::Object(defaults)) = (value.get_mut("config"), &defaults) {
        config.retain(|k, v| defaults.get(k) != Some(v));
        if let Some(Value::Object(network)) = config.get_mut("network") {
            if let Some(Value::Object(dn)) = defaults.get("network") {
                network.retain(|k, v| dn.get(k) != Some(v));
            }
        }
    }
    b64url_encode(value.to_string().as_bytes())
}

/// Like [`encode`], but without the lesson parts (`description`, `tour`, `compare`, `expect`):
/// for sharing a run a reader made (seed, config, commands), about five times shorter for a
/// built-in lesson. The id and title stay.
pub fn encode_plain(scenario: &Scenario) -> String {
    let mut plain = scenario.clone();
    plain.description = None;
    plain.tour.clear();
    plain.compare = None;
    plain.expect = None;
    encode(&plain)
}

/// Refuses a payload longer than a link may carry, in the words the page uses: `lab share`
/// and the page's decoder apply this one rule.
pub fn check_len(payload: &str) -> Result<(), String> {
    if payload.len() > ENCODED_LEN_MAX {
        return Err(format!(
            "the shared scenario is too long ({} characters; at most {ENCODED_LEN_MAX})",
            payload.len()
        ));
    }
    Ok(())
}

/// Reads a `#s=` payload back. Errors say which step failed: "bad base64url at character 17
/// (`*`)", "not UTF-8 …", "not JSON: …", or the scenario's own error (`commands[2].node`: …).
pub fn decode(payload: &str) -> Result<Scenario, String> {
    let payload = payload.trim();
    if payload.is_empty() {
        return Err("the shared scenario is empty".to_string());
    }
    check_len(payload)?;
    let bytes = b64url_decode(payload)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("the shared scenario is not UTF-8 text (bad byte at {})", e.utf8_error().valid_up_to()))?;
    // Separate "not JSON" from "JSON, but not a valid scenario" for the reader.
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
        return Err(format!("the shared scenario is not JSON: {e}"));
    }
    parse_scenario(&text).map_err(|e| format!("the shared scenario is invalid: {e}"))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url (RFC 4648 §5) without padding.
pub fn b64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1; // 1 byte → 2 chars, 2 → 3, 3 → 4
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url without padding. Trailing `=` padding is tolerated (some tools add it);
/// standard-alphabet `+` and `/` are refused with a hint, as is any other character, a length
/// that no byte string encodes to, and non-zero unused bits.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, String> {
    let trimmed = text.trim_end_matches('=');
    if text.len() - trimmed.len() > 2 {
        return Err("bad base64url: too much `=` padding at the end".to_string());
    }
    let mut vals = Vec::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        let v = match c {
            'A'..='Z' => c as u8 - b'A',
            'a'..='z' => c as u8 - b'a' + 26,
            '0'..='9' => c as u8 - b'0' + 52,
            '-' => 62,
            '_' => 63,
            '+' | '/' => {
                return Err(format!(
                    "bad base64url at character {} (`{c}`): this is standard base64; links use `-` and `_`",
                    i + 1
                ))
            }
            _ => return Err(format!("bad base64url at character {} ('{}')", i + 1, echo(&c.to_string()))),
        };
        vals.push(v);
    }
    if vals.len() % 4 == 1 {
        return Err(format!("bad base64url: {} characters cannot encode whole bytes (cut off?)", vals.len()));
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        let mut n = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            n |= u32::from(*v) << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1; // 2 chars → 1 byte, 3 → 2, 4 → 3
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
        // The bits after the last byte must be zero (a canonical encoding).
        let unused = n & ((1u32 << (24 - 8 * bytes)) - 1);
        if unused != 0 {
            return Err("bad base64url: the last character has bits set past the end (cut off or altered?)".into());
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// URL parameters
// ---------------------------------------------------------------------------------------------

/// What a page URL asks for, validated. Each field is None/false when the parameter is absent
/// or invalid; every invalid parameter adds one message to `errors` (the page shows them and
/// opens the default scenario, `playground`).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// `?scenario=`: a built-in scenario id that exists.
    pub scenario: Option<String>,
    /// `?lang=`.
    pub lang: Option<Lang>,
    /// `?embed=1` (or `true`).
    pub embed: bool,
    /// `?step=n` as a 0-based index (`step=1` → `Some(0)`). Whether the tour has that many steps
    /// is checked by the page, which knows the scenario.
    pub step: Option<usize>,
    /// `?t=<ms>`: the instant to run to and hold at, ms of virtual time (0 …
    /// [`UNTIL_MS_MAX`]). Whether the run is that long is checked by the page.
    pub t_ms: Option<u64>,
    /// `#s=`: the decoded shared scenario, or why it could not be read. When present it takes
    /// precedence over `scenario`.
    pub shared: Option<Result<Scenario, String>>,
    /// One readable message per invalid parameter, in the order found.
    pub errors: Vec<String>,
}

/// Largest `step` accepted before the page checks the tour (tours have at most 20 steps).
pub const STEP_MAX: usize = 1000;

/// Parses `location.search` (`?a=b&c=d`, the `?` optional) and `location.hash` (`#s=…`, the `#`
/// optional). Values are percent-decoded (`+` is a space). A parameter given twice uses the
/// first and reports the repeat. Never panics.
pub fn parse_query(query: &str, hash: &str) -> Link {
    let mut link =
        Link { scenario: None, lang: None, embed: false, step: None, t_ms: None, shared: None, errors: Vec::new() };
    let mut seen: Vec<&str> = Vec::new();
    for pair in query.strip_prefix('?').unwrap_or(query).split('&') {
        if pair.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = match percent_decode(raw_key) {
            Ok(k) => k,
            Err(e) => {
                link.errors.push(format!("a URL parameter name is malformed: {e}"));
                continue;
            }
        };
        let known = ["scenario", "lang", "embed", "step", "t"];
        let Some(key) = known.iter().copied().find(|k| *k == key) else { continue };
        if seen.contains(&key) {
            link.errors.push(format!("`{key}` is given more than once; the first one is used"));
            continue;
        }
        seen.push(key);
        let value = match percent_decode(raw_value) {
            Ok(v) => v,
            Err(e) => {
                link.errors.push(format!("`{key}`: {e}"));
                continue;
            }
        };
        let value = value.trim();
        match key {
            "scenario" => {
                if builtin::SOURCES.iter().any(|(id, _)| *id == value) {
                    link.scenario = Some(value.to_string());
                } else {
                    let ids: Vec<&str> = builtin::SOURCES.iter().map(|(id, _)| *id).collect();
                    link.errors.push(format!(
                        "unknown scenario `{}`; built-in scenarios are {}",
                        echo(value),
                        ids.join(", ")
                    ));
                }
            }
            "lang" => match Lang::from_code(value) {
                Some(l) => link.lang = Some(l),
                None => link.errors.push(format!("`lang` must be `ko` or `en`, got `{}`", echo(value))),
            },
            "embed" => match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "" => link.embed = true,
                "0" | "false" => link.embed = false,
                _ => link.errors.push(format!("`embed` must be 1 or 0, got `{}`", echo(value))),
            },
            "step" => match value.parse::<usize>() {
                Ok(n) if (1..=STEP_MAX).contains(&n) => link.step = Some(n - 1),
                _ => link
                    .errors
                    .push(format!("`step` must be a step number from 1 (the first step), got `{}`", echo(value))),
            },
            "t" => match value.parse::<u64>() {
                Ok(ms) if ms <= UNTIL_MS_MAX => link.t_ms = Some(ms),
                _ => link
                    .errors
                    .push(format!("`t` must be a time in ms from 0 to {UNTIL_MS_MAX}, got `{}`", echo(value))),
            },
            _ => unreachable!("only known keys reach here"),
        }
    }
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    for part in hash.split('&') {
        if let Some(payload) = part.strip_prefix("s=") {
            let decoded = percent_decode(payload).map_err(|e| format!("the shared scenario link is malformed: {e}"));
            let shared = decoded.and_then(|p| decode(&p));
            if let Err(e) = &shared {
                link.errors.push(e.clone());
            }
            link.shared = Some(shared);
            break;
        }
    }
    link
}

/// The query string (with `?`) for a link to a built-in scenario, as [`parse_query`] reads it;
/// `step` is 0-based here and written 1-based. Only the parameters given are written.
pub fn query_string(scenario: Option<&str>, lang: Option<Lang>, embed: bool, step: Option<usize>) -> String {
    let mut parts = Vec::new();
    if let Some(id) = scenario {
        parts.push(format!("scenario={}", percent_encode(id)));
    }
    if let Some(l) = lang {
        parts.push(format!("lang={}", l.code()));
    }
    if embed {
        parts.push("embed=1".to_string());
    }
    if let Some(s) = step {
        parts.push(format!("step={}", s + 1));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The hash (with `#`) that carries a whole scenario.
pub fn hash_for(scenario: &Scenario) -> String {
    format!("#s={}", encode(scenario))
}

/// Percent-decoding of a URL component (`+` is a space); the result must be UTF-8.
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(format!("bad percent-escape at character {}", i + 1)),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "percent-escapes that are not UTF-8 text".to_string())
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Prng;

    /// Every built-in scenario survives encode → decode unchanged, and the link has no padding
    /// and only URL-safe characters.
    #[test]
    fn builtins_round_trip() {
        for s in builtin::all() {
            let e = encode(&s);
            assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{e}");
            assert_eq!(decode(&e).as_ref(), Ok(&s), "scenario {}", s.id);
        }
    }

    /// A plain link keeps the run (seed, config, commands) and drops the lesson text.
    #[test]
    fn plain_links_keep_the_run_only() {
        let s = builtin::get("what-acks-buys").expect("built-in");
        let plain = decode(&encode_plain(&s)).expect("valid");
        assert_eq!((plain.seed, &plain.config, &plain.commands), (s.seed, &s.config, &s.commands));
        assert!(plain.tour.is_empty() && plain.compare.is_none() && plain.expect.is_none());
        assert!(encode_plain(&s).len() * 3 < encode(&s).len());
    }

    /// Default config keys are left out of the link; non-default ones are kept.
    #[test]
    fn links_omit_defaults() {
        let s = parse_scenario(r#"{"id":"x","config":{"acks":"1","network":{"drop":0.5}}}"#).expect("valid");
        let json = String::from_utf8(b64url_decode(&encode(&s)).expect("b64")).expect("utf8");
        assert!(json.contains("\"acks\":\"1\""), "{json}");
        assert!(json.contains("\"drop\":0.5"), "{json}");
        assert!(!json.contains("brokers"), "{json}");
        assert!(!json.contains("latency_ms"), "{json}");
    }

    /// The RFC 4648 test vectors, in the URL alphabet without padding.
    #[test]
    fn base64url_vectors() {
        let v = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in v {
            assert_eq!(b64url_encode(plain.as_bytes()), enc);
            assert_eq!(b64url_decode(enc).expect("valid"), plain.as_bytes());
        }
        assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(b64url_decode("Zm8=").expect("padding tolerated"), b"fo");
    }

    /// Each kind of broken payload is refused with a message naming the problem.
    #[test]
    fn decode_names_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("ab*d", "character 3"),
            ("ab+d", "standard base64"),
            ("abcde", "cannot encode whole bytes"),
            ("Zh", "bits set past the end"),
            (&b64url_encode(&[0xff, 0xfe, 0x41]), "not UTF-8"),
            (&b64url_encode(b"{\"id\": "), "not JSON"),
            (&b64url_encode(b"{\"id\":\"x\",\"colour\":1}"), "`colour`"),
            (&b64url_encode(br#"{"id":"x","commands":[{"at_ms":1,"do":"crash","node":"db9"}]}"#), "commands[0].node"),
        ];
        for (payload, needle) in cases {
            let e = decode(payload).expect_err(payload);
            assert!(e.contains(needle), "decode({payload:?}) = {e:?}, expected it to mention {needle:?}");
        }
        let long = "A".repeat(ENCODED_LEN_MAX + 4);
        assert!(decode(&long).expect_err("too long").contains("too long"));
    }

    /// Random bytes, random base64url text and mutated valid links never panic; whatever decodes
    /// is a valid scenario.
    #[test]
    fn fuzzed_garbage_never_panics() {
        let mut rng = Prng::new(2024);
        let valid = encode(&builtin::get("playground").expect("built-in"));
        for round in 0..3000 {
            let len = (rng.below(200)) as usize;
            let text: String = match round % 3 {
                0 => (0..len).map(|_| ALPHABET[rng.below(64) as usize] as char).collect(),
                1 => String::from_utf8_lossy(&(0..len).map(|_| rng.below(256) as u8).collect::<Vec<_>>()).into_owned(),
                _ => {
                    let mut b = valid.clone().into_bytes();
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(b.len() as u64) as usize;
                        b[i] = ALPHABET[rng.below(64) as usize];
                    }
                    String::from_utf8(b).expect("ascii")
                }
            };
            if let Ok(s) = decode(&text) {
                s.validate().expect("a decoded scenario is valid");
            }
            let _ = parse_query(&text, &format!("#s={text}"));
        }
    }

    /// A full link is read back as given; step is 1-based in the URL and 0-based in `Link`.
    #[test]
    fn query_parses_every_parameter() {
        let l = parse_query("?scenario=playground&lang=EN&embed=1&step=3&utm_source=blog", "");
        assert_eq!(l.scenario.as_deref(), Some("playground"));
        assert_eq!(l.lang, Some(Lang::En));
        assert!(l.embed);
        assert_eq!(l.step, Some(2));
        assert!(l.shared.is_none());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(
            query_string(Some("playground"), Some(Lang::Ko), true, Some(0)),
            "?scenario=playground&lang=ko&embed=1&step=1"
        );
        let back = parse_query(&query_string(Some("playground"), Some(Lang::Ko), false, Some(4)), "");
        assert_eq!(
            (back.scenario.as_deref(), back.lang, back.embed, back.step),
            (Some("playground"), Some(Lang::Ko), false, Some(4))
        );
    }

    /// `&t=` is an instant in ms, 0 up to the longest run; anything else is one message.
    #[test]
    fn query_reads_the_instant() {
        assert_eq!(parse_query("?scenario=playground&t=1500", "").t_ms, Some(1500));
        assert_eq!(parse_query("?t=0", "").t_ms, Some(0));
        for bad in ["-1", "1.5", "3600001", "abc", "", "99999999999999999999999"] {
            let l = parse_query(&format!("?t={bad}"), "");
            assert_eq!(l.t_ms, None, "{bad}");
            assert_eq!(l.errors.len(), 1, "{bad}");
            assert!(l.errors[0].starts_with("`t` must be a time in ms"), "{:?}", l.errors);
        }
    }

    /// Every invalid parameter gives one message naming it; valid ones still apply.
    #[test]
    fn query_reports_each_bad_parameter() {
        let l = parse_query("scenario=nope&lang=fr&embed=yes&step=0&lang=ko", "");
        assert_eq!(l.scenario, None);
        assert_eq!(l.lang, None);
        assert!(!l.embed);
        assert_eq!(l.step, None);
        let all = l.errors.join("\n");
        for needle in
            ["unknown scenario `nope`", "`lang` must be", "`embed` must be", "`step` must be", "more than once"]
        {
            assert!(all.contains(needle), "missing {needle:?} in {all}");
        }
        let l = parse_query("?step=abc&scenario=%E0%A4", "");
        assert_eq!(l.errors.len(), 2, "{:?}", l.errors);
    }

    /// `#s=` carries a scenario (percent-escaped or not); a broken one is an error, not a panic.
    #[test]
    fn hash_carries_a_scenario() {
        let s = builtin::get("playground").expect("built-in");
        let l = parse_query("", &hash_for(&s));
        assert_eq!(l.shared, Some(Ok(s.clone())));
        assert!(l.errors.is_empty());
        let l = parse_query("?lang=ko", "#s=%%%");
        assert!(matches!(l.shared, Some(Err(_))));
        assert_eq!(l.errors.len(), 1);
        assert!(parse_query("", "#section-2").shared.is_none());
    }
}
