//! Every error that echoes a reader's text goes through `sim::text::echo`: whatever the input
//! (newlines, terminal escapes, NUL, bidi overrides, a 100 KB key, a 309-digit number), the
//! message is one short line of visible characters that still names the field. Table-driven:
//! each nasty input × each path that echoes user text (scenario key, command, node, enum value,
//! `--set` key, `--lang`, `lab check` op, URL parameter).

use std::process::Command;

use consistency_lab::sim::config::Config;
use consistency_lab::sim::{history, scenario, share};

/// Inputs that once came out raw, or long.
fn nasty() -> Vec<String> {
    let mut v: Vec<String> = [
        "a\nb",
        "\r\n",
        "\u{1b}[31mred\u{1b}[0m",
        "\u{1b}]0;title\u{7}",
        "nul\0byte",
        "del\u{7f} c1\u{85}\u{9b}",
        "tab\there",
        "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}rtl",
        "\u{2066}\u{2067}\u{2068}\u{2069}iso",
        "zw\u{200b}\u{200f}\u{feff}\u{2028}\u{2029}",
        "tag\u{e0041}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("k".repeat(100_000));
    v.push("9".repeat(309));
    v.push(format!("{}\u{202e}\n", "é".repeat(39)));
    v
}

/// A character a terminal or a page would act on or hide rather than show.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
        || ('\u{e0000}'..='\u{e0fff}').contains(&c)
}

/// The message is one line of visible characters, names `field`, and is at most ~100
/// characters longer than the same message for the benign input `x` (messages that list what is
/// allowed are long on their own; the echoed part adds at most `ECHO_MAX` characters and a
/// "did you mean").
fn assert_safe(path: &str, input: &str, message: &str, benign: &str, field: &str) {
    let ctx = || format!("{path} with {:?}: {message}", input.chars().take(50).collect::<String>());
    assert!(!message.contains('\n'), "several lines: {}", ctx());
    assert!(!message.chars().any(unsafe_char), "unsafe character: {}", ctx());
    let (n, b) = (message.chars().count(), benign.chars().count());
    assert!(n <= b.max(100) + 100, "{n} characters (benign: {b}): {}", ctx());
    assert!(message.contains(field), "does not name {field}: {}", ctx());
}

/// The error for a scenario, or "" if it is accepted (a title may hold a bidi mark: it is text
/// shown as text, not an echo in an error).
fn scenario_error(json: &str) -> String {
    scenario::parse_scenario(json).map_or_else(|e| e.to_string(), |_| String::new())
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// A path that echoes user text: (its name, what the message must name, the input placed in it).
type ScenarioPath = (&'static str, &'static str, fn(&str) -> String);

const SCENARIO_PATHS: &[ScenarioPath] = &[
    ("top-level key", "allowed here", |v| format!(r#"{{"id":"x",{}:1}}"#, json_str(v))),
    ("config key", "config.", |v| format!(r#"{{"id":"x","config":{{{}:1}}}}"#, json_str(v))),
    ("network key", "config.network.", |v| format!(r#"{{"id":"x","config":{{"network":{{{}:1}}}}}}"#, json_str(v))),
    ("duplicate key", "duplicate key", |v| format!(r#"{{"id":"x","config":{{{k}:1,{k}:2}}}}"#, k = json_str(v))),
    ("command", "commands[0].do", |v| format!(r#"{{"id":"x","commands":[{{"at_ms":1,"do":{}}}]}}"#, json_str(v))),
    ("node", "commands[0].node", |v| {
        format!(r#"{{"id":"x","commands":[{{"at_ms":1,"do":"crash","node":{}}}]}}"#, json_str(v))
    }),
    ("partition node", "commands[0].groups[0][0]", |v| {
        format!(r#"{{"id":"x","commands":[{{"at_ms":1,"do":"partition","groups":[[{}],["app"]]}}]}}"#, json_str(v))
    }),
    ("enum value", "config.publish", |v| format!(r#"{{"id":"x","config":{{"publish":{}}}}}"#, json_str(v))),
    ("acks value", "config.acks", |v| format!(r#"{{"id":"x","config":{{"acks":{}}}}}"#, json_str(v))),
    ("event", "commands[0].event", |v| {
        format!(r#"{{"id":"x","commands":[{{"at_ms":1,"do":"fire","delivery":"D1","event":{}}}]}}"#, json_str(v))
    }),
    ("set key", "commands[0].key", |v| {
        format!(r#"{{"id":"x","commands":[{{"at_ms":1,"do":"set","key":{},"value":1}}]}}"#, json_str(v))
    }),
    ("compare.set key", "compare.set.", |v| {
        format!(r#"{{"id":"x","compare":{{"title":"t","set":{{{}:1}}}}}}"#, json_str(v))
    }),
    ("expect key", "expect.", |v| format!(r#"{{"id":"x","expect":{{{}:1}}}}"#, json_str(v))),
    ("title character", "title", |v| format!(r#"{{"id":"x","title":{}}}"#, json_str(&format!("t{v}")))),
];

#[test]
fn scenario_errors_echo_safely() {
    for (name, field, make) in SCENARIO_PATHS {
        let benign = scenario_error(&make("x"));
        for input in nasty() {
            let message = scenario_error(&make(&input));
            if !message.is_empty() {
                assert_safe(name, &input, &message, &benign, field);
            }
        }
    }
}

/// A number too long to show whole (309 digits) is cut, in a number-typed field.
#[test]
fn huge_numbers_are_cut() {
    let digits = format!("1{}", "0".repeat(308));
    for (field, json) in [
        ("config.network.drop", format!(r#"{{"id":"x","config":{{"network":{{"drop":{digits}}}}}}}"#)),
        ("config.brokers", format!(r#"{{"id":"x","config":{{"brokers":{digits}}}}}"#)),
        ("config.acks", format!(r#"{{"id":"x","config":{{"acks":{digits}}}}}"#)),
        ("until_ms", format!(r#"{{"id":"x","until_ms":-{digits}}}"#)),
    ] {
        let message = scenario_error(&json);
        assert_safe("number", &digits, &message, "", field);
    }
}

#[test]
fn set_keys_and_values_echo_safely() {
    let benign = scenario::apply_cli_sets(&mut Config::default(), &["x=1"]).unwrap_err();
    for input in nasty() {
        for (assignment, field) in [
            (format!("{input}=1"), "unknown config key"),
            (format!("publish={input}"), "`publish`"),
            (input.clone(), "key=value"),
        ] {
            // A key is trimmed, so a key of only spaces and newlines is the empty key.
            let message = scenario::apply_cli_sets(&mut Config::default(), &[assignment]).unwrap_err();
            assert_safe("--set", &input, &message, &benign, field);
        }
    }
}

#[test]
fn history_errors_echo_safely() {
    let start = r#"{"t_ms":0,"node":"app","op":"start","replicas":["db1"],"seed":1,"scenario":"x"}"#;
    let lines: &[ScenarioPath] = &[
        ("op", "line 2", |v| format!(r#"{{"t_ms":1,"node":"app","op":{}}}"#, json_str(v))),
        ("reason", "line 2", |v| {
            format!(r#"{{"t_ms":1,"node":"db1-c1","op":"skip","replica":"db1","event":1,"reason":{}}}"#, json_str(v))
        }),
        ("kind", "line 2", |v| {
            format!(
                r#"{{"t_ms":1,"node":"app","op":"commit","event":1,"delivery":"D1","kind":{},"seq":1}}"#,
                json_str(v)
            )
        }),
        ("t_ms", "line 2", |v| format!(r#"{{"t_ms":{},"node":"app","op":"crash"}}"#, json_str(v))),
    ];
    for (name, field, make) in lines {
        let err = |v: &str| history::parse_jsonl(&format!("{start}\n{}\n", make(v))).map(drop).unwrap_err();
        let benign = err("x");
        for input in nasty() {
            assert_safe(name, &input, &err(&input), &benign, field);
        }
    }
    let huge = format!("{start}\n{{\"t_ms\":1{},\"node\":\"app\",\"op\":\"crash\"}}\n", "0".repeat(308));
    assert_safe("t_ms", "1e308", &history::parse_jsonl(&huge).map(drop).unwrap_err(), "", "t_ms");
}

/// Percent-encodes every byte, so any text can sit in a URL parameter.
fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn url_parameters_echo_safely() {
    for (key, field) in [("scenario", "unknown scenario"), ("lang", "`lang`"), ("embed", "`embed`"), ("step", "`step`")]
    {
        let errors = |v: &str| share::parse_query(&format!("?{key}={}", percent(v)), "").errors;
        let benign = errors("x").join("");
        for input in nasty() {
            let e = errors(&input);
            // A value of only spaces is trimmed to an accepted empty value for some keys.
            if let Some(message) = e.first() {
                assert_safe(key, &input, message, &benign, field);
            }
        }
    }
}

fn lab(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lab")).args(args).output().expect("lab runs");
    (out.status.code(), String::from_utf8(out.stderr).expect("stderr is UTF-8"))
}

/// The CLI's own echoes: `--lang`, `--set`, an unknown option, an unknown subcommand, a
/// `lab check` op, a scenario file's key. (An argument cannot hold NUL; those are skipped.)
#[test]
fn cli_errors_echo_safely() {
    let dir = std::env::temp_dir().join(format!("echo-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let hist = dir.join("h.jsonl");
    let file = dir.join("s.json");
    let (hist_s, file_s) = (hist.to_str().expect("utf8 path"), file.to_str().expect("utf8 path"));
    let all = |input: &str| {
        std::fs::write(&hist, format!("{{\"t_ms\":0,\"node\":\"app\",\"op\":{}}}\n", json_str(input))).unwrap();
        std::fs::write(&file, format!(r#"{{"id":"x","config":{{{}:1}}}}"#, json_str(input))).unwrap();
        [
            ("--lang", lab(&["config", "playground", "--lang", input]), "--lang"),
            ("--set", lab(&["run", "playground", "--set", &format!("{input}=1")]), "--set"),
            ("option", lab(&["run", "playground", &format!("--{input}")]), "unknown option"),
            ("command", lab(&[&format!("z{input}")]), "unknown command"),
            ("check op", lab(&["check", hist_s]), "unknown op"),
            ("scenario key", lab(&["run", file_s]), "`config."),
        ]
    };
    let benign = all("x");
    for input in nasty().iter().filter(|s| !s.contains('\0')) {
        for ((name, (code, stderr), field), (_, (_, benign), _)) in all(input).into_iter().zip(&benign) {
            assert_eq!(code, Some(2), "{name}: {stderr}");
            let line = stderr.strip_suffix('\n').expect("one line ending in a newline");
            assert_safe(name, input, line, benign, field);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A file that is not UTF-8 is named as such, with the first bad byte, for every file loader.
#[test]
fn invalid_utf8_is_named() {
    let dir = std::env::temp_dir().join(format!("echo-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.json");
    std::fs::write(&file, b"{\"id\":\"x\xff\"}").unwrap();
    let f = file.to_str().expect("utf8 path");
    for args in [&["run", f][..], &["check", f], &["config", f], &["share", f]] {
        let (code, stderr) = lab(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stderr, format!("lab: {f}: not UTF-8 text (bad byte at 8)\n"), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
