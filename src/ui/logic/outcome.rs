//! How the guide and the side-by-side comparison name and print a run's measures, and the lesson
//! claim's rows (shared by both, so they cannot drift apart).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sim::lessons::Outcome;
use crate::sim::scenario::{Condition, Expect};
use crate::ui::i18n::Lang;

/// The anomaly keys of the report, in the checker's order.
pub const ANOMALIES: [&str; 8] = crate::sim::checker::Anomalies::NAMES;

/// An anomaly's name for readers: the checker panel's (`an.<key>` in `i18n.rs`), so each anomaly
/// has one name everywhere ("?" for an unknown key).
pub fn anomaly_name(l: Lang, key: &str) -> &'static str {
    super::text::tr_dyn(l, &format!("an.{key}"), "?")
}

/// A measure's value as text (integers without a fraction).
pub fn fmt_measure(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
}

/// The rows of the side-by-side comparison: every anomaly, then the other measures the lesson's
/// claim names (either side, in order, once); `converged` has a row of its own.
pub fn measure_names(expect: Option<&Expect>) -> Vec<String> {
    let mut names: Vec<String> = ANOMALIES.iter().map(|s| s.to_string()).collect();
    if let Some(e) = expect {
        for n in e.base.keys().chain(e.variant.keys()) {
            if n != "converged" && !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    names
}

/// A config value as the comparison prints it (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value of a dotted config key (`network.drop`) in a config as JSON, as text ("–" if absent).
pub fn config_value_text(cfg: &Value, key: &str) -> String {
    key.split('.').try_fold(cfg, |acc, part| acc.get(part)).map(value_text).unwrap_or_else(|| "–".into())
}

/// One row of a lesson's claim: the measure, what was measured, what was expected, and whether
/// it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimRow {
    pub name: String,
    pub got: String,
    pub want: String,
    pub ok: bool,
}

/// The conditions of one side of the lesson's claim, with what was measured. The consumer lag is
/// left out: only a headless run samples it.
pub fn claim_rows(expect: &BTreeMap<String, Condition>, o: &Outcome) -> Vec<ClaimRow> {
    expect
        .iter()
        .filter(|(name, _)| name.as_str() != "consumer_lag_max")
        .map(|(name, cond)| {
            let (got, want, ok) = match cond {
                Condition::Flag(want) => {
                    (o.converged.to_string(), want.to_string(), name != "converged" || o.converged == *want)
                }
                Condition::Bounds(b) => match o.get(name) {
                    Some(x) => (fmt_measure(x), cond.to_string(), b.holds(x)),
                    None => ("–".to_string(), cond.to_string(), false),
                },
            };
            ClaimRow { name: name.clone(), got, want, ok }
        })
        .collect()
}

/// CSS that outlines a tour step's focus nodes in the topology. Only plain names
/// (letters, digits, `-`, `_`) are used: anything else could break out of the selector.
pub fn focus_style(names: &[String]) -> String {
    names
        .iter()
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(|n| {
            format!(
                ".topology g.node[data-node=\"{n}\"] > rect.box {{ stroke: var(--tour-focus, #e8590c); stroke-width: 3px; }}\n"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::Bounds;

    /// Whole numbers print without a fraction, others with one digit.
    #[test]
    fn measures_print_plainly() {
        assert_eq!(fmt_measure(3.0), "3");
        assert_eq!(fmt_measure(-2.0), "-2");
        assert_eq!(fmt_measure(2.25), "2.2");
        assert_eq!(fmt_measure(1e16), "10000000000000000.0");
    }

    /// Every anomaly of the checker has a name in both languages.
    #[test]
    fn every_anomaly_is_named() {
        for k in ANOMALIES {
            for l in Lang::ALL {
                assert_ne!(anomaly_name(l, k), "?", "{k}");
            }
        }
        assert_eq!(anomaly_name(Lang::En, "nope"), "?");
    }

    /// The comparison lists every anomaly first, then each claimed measure once.
    #[test]
    fn measure_names_add_claimed_measures_once() {
        assert_eq!(measure_names(None), ANOMALIES.map(String::from).to_vec());
        let s = crate::sim::builtin::get("outbox-vs-dual-write").expect("built in");
        let e = s.expect.as_ref().expect("a lesson with a claim");
        let names = measure_names(Some(e));
        assert_eq!(names[..ANOMALIES.len()], ANOMALIES.map(String::from));
        let extra: Vec<&String> = e
            .base
            .keys()
            .chain(e.variant.keys())
            .filter(|n| *n != "converged" && !ANOMALIES.contains(&n.as_str()))
            .collect();
        for n in &extra {
            assert_eq!(names.iter().filter(|x| x == n).count(), 1, "{n}");
        }
        assert!(!names.iter().any(|n| n == "converged"));
    }

    /// Dotted keys reach into nested config; strings lose their quotes.
    #[test]
    fn config_values_by_dotted_key() {
        let cfg = serde_json::json!({"publish": "outbox", "network": {"drop": 0.1}});
        assert_eq!(config_value_text(&cfg, "publish"), "outbox");
        assert_eq!(config_value_text(&cfg, "network.drop"), "0.1");
        assert_eq!(config_value_text(&cfg, "network.nope"), "–");
    }

    /// A focus name that could escape the CSS selector is dropped.
    #[test]
    fn focus_style_keeps_plain_names_only() {
        let css = focus_style(&["broker-1".into(), "x\"]{}".into(), String::new()]);
        assert!(css.contains("data-node=\"broker-1\""));
        assert_eq!(css.lines().count(), 1, "{css}");
    }

    /// A claim row fails when its bound does not hold or its measure was never taken, and the
    /// headless-only consumer lag is skipped.
    #[test]
    fn claim_rows_check_each_condition() {
        let s = crate::sim::builtin::get("playground").expect("built in");
        let mut short = s.clone();
        short.until_ms = 200;
        let o = crate::sim::lessons::run(&short);
        let eq0 = Condition::Bounds(Bounds { eq: Some(0.0), ..Bounds::default() });
        let huge = Condition::Bounds(Bounds { ge: Some(1e6), ..Bounds::default() });
        let expect: BTreeMap<String, Condition> =
            [("lost", eq0.clone()), ("committed", huge), ("consumer_lag_max", eq0)]
                .into_iter()
                .map(|(k, c)| (k.to_string(), c))
                .collect();
        let rows = claim_rows(&expect, &o);
        assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["committed", "lost"]);
        assert!(!rows[0].ok, "committed ≥ 1e6 cannot hold in 200 ms");
        assert_eq!(rows[1].ok, o.get("lost") == Some(0.0));
    }
}
