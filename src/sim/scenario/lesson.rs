//! The optional lesson parts of a scenario: the guided `tour`, the paired `compare` variant and
//! the outcome the tour claims (`expect`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::commands::{check_commands, unknown_node};
use super::json::{describe, parse_name, parse_title, want_bool, want_f64, want_str, want_u64, Obj};
use super::{node_role, variant_config, Bounds, Compare, Condition, Expect, Res, Scenario, ScenarioError, TourStep};
use super::{EXPECT_MEASURES, FOCUS_MAX, TITLE_LEN_MAX, TOUR_STEPS_MAX, TOUR_TEXT_LEN_MAX};
use crate::sim::config::Config;

/// The lesson parts of a scenario whose run (config, commands) is already valid: the tour is
/// checked against the initial config, the variant's commands against the variant's config.
pub(super) fn parse_lesson(scenario: &mut Scenario, top: &Obj) -> Res<()> {
    let until_ms = scenario.until_ms;
    if let Some(v) = top.get("tour") {
        scenario.tour = parse_tour(v, &scenario.initial_config(), until_ms)?;
    }
    if let Some(v) = top.get("compare") {
        let compare = parse_compare(v)?;
        let config = variant_config(&scenario.config, &compare.set)?;
        check_commands(&config, until_ms, &scenario.commands).map_err(|e| {
            ScenarioError::new("compare.set", format!("the variant's commands do not fit its config: {e}"))
        })?;
        scenario.compare = Some(compare);
    }
    if let Some(v) = top.get("expect") {
        let expect = parse_expect(v)?;
        if !expect.variant.is_empty() && scenario.compare.is_none() {
            return Err(ScenarioError::new("expect.variant", "needs `compare` (there is no variant to check)"));
        }
        scenario.expect = Some(expect);
    }
    Ok(())
}

/// The guided tour: 1..=[`TOUR_STEPS_MAX`] steps whose `at_ms` never goes back in time.
fn parse_tour(value: &Value, config: &Config, until_ms: u64) -> Res<Vec<TourStep>> {
    let Value::Array(items) = value else {
        return Err(ScenarioError::new("tour", format!("must be an array of steps, got {}", describe(value))));
    };
    if items.is_empty() || items.len() > TOUR_STEPS_MAX {
        return Err(ScenarioError::new("tour", format!("must have 1..={TOUR_STEPS_MAX} steps, got {}", items.len())));
    }
    let mut steps = Vec::with_capacity(items.len());
    let mut last_at: Option<(usize, u64)> = None;
    for (i, item) in items.iter().enumerate() {
        let obj = Obj::new(item, &format!("tour[{i}]"))?;
        let step = parse_step(&obj, config, until_ms, last_at)?;
        if let Some(at) = step.at_ms {
            last_at = Some((i, at));
        }
        steps.push(step);
    }
    Ok(steps)
}

/// One tour step: its texts, its time (not before `last_at`, the latest earlier step's index
/// and time) and the nodes it highlights.
fn parse_step(obj: &Obj, config: &Config, until_ms: u64, last_at: Option<(usize, u64)>) -> Res<TourStep> {
    obj.check_keys(&["ko", "en", "at_ms", "focus"])?;
    let text = |k: &str| -> Res<String> {
        parse_name(obj.req(k)?, &obj.field(k), TOUR_TEXT_LEN_MAX, "any", |c| !c.is_control() || c == '\n')
    };
    let ko = text("ko")?;
    let en = text("en")?;
    let at_ms = obj.opt("at_ms", |v| want_u64(v, 0, until_ms))?;
    if let (Some(at), Some((j, before))) = (at_ms, last_at) {
        if at < before {
            return Err(obj.err(
                "at_ms",
                format!("{at} is earlier than tour[{j}].at_ms ({before}): the tour only moves forward"),
            ));
        }
    }
    let focus = match obj.get("focus") {
        None => Vec::new(),
        Some(Value::Array(names)) => parse_focus(obj, names, config)?,
        Some(other) => return Err(obj.err("focus", format!("must be an array of node names, got {}", describe(other)))),
    };
    Ok(TourStep { ko, en, at_ms, focus })
}

/// The nodes a step highlights: at most [`FOCUS_MAX`] nodes of the initial config, each once.
fn parse_focus(obj: &Obj, names: &[Value], config: &Config) -> Res<Vec<String>> {
    if names.len() > FOCUS_MAX {
        return Err(obj.err("focus", format!("at most {FOCUS_MAX} nodes, got {}", names.len())));
    }
    let mut focus: Vec<String> = Vec::new();
    for (n, v) in names.iter().enumerate() {
        let field = format!("{}.focus[{n}]", obj.path);
        let name = want_str(v).map_err(|m| ScenarioError::new(&field, m))?;
        if node_role(config, name).is_none() {
            return Err(unknown_node(config, field, name));
        }
        if focus.iter().any(|f| f == name) {
            return Err(ScenarioError::new(field, format!("`{name}` is named twice")));
        }
        focus.push(name.to_string());
    }
    Ok(focus)
}

fn parse_compare(value: &Value) -> Res<Compare> {
    let obj = Obj::new(value, "compare")?;
    obj.check_keys(&["title", "set"])?;
    let title = parse_title(obj.req("title")?, "compare.title", TITLE_LEN_MAX)?;
    let set = match obj.req("set")? {
        Value::Object(map) if !map.is_empty() => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::Object(_) => return Err(obj.err("set", "needs at least one config key to change")),
        other => {
            return Err(obj.err("set", format!("must be an object of config key → value, got {}", describe(other))))
        }
    };
    Ok(Compare { title, set })
}

fn parse_expect(value: &Value) -> Res<Expect> {
    let obj = Obj::new(value, "expect")?;
    obj.check_keys(&["base", "variant"])?;
    let side = |key: &str| -> Res<BTreeMap<String, Condition>> {
        let Some(v) = obj.get(key) else { return Ok(BTreeMap::new()) };
        let side = Obj::new(v, &obj.field(key))?;
        side.check_keys(EXPECT_MEASURES)?;
        let mut out = BTreeMap::new();
        for (name, cond) in side.map {
            let field = side.field(name);
            let c = if name == "converged" {
                Condition::Flag(want_bool(cond).map_err(|m| ScenarioError::new(&field, format!("`converged` {m}")))?)
            } else {
                let b = Obj::new(cond, &field)?;
                b.check_keys(&["eq", "ge", "gt", "le", "lt"])?;
                if b.map.is_empty() {
                    return Err(ScenarioError::new(field, "needs at least one of eq, ge, gt, le, lt"));
                }
                let num = |k: &str| b.opt(k, |v| want_f64(v, f64::MIN, f64::MAX));
                Condition::Bounds(Bounds {
                    eq: num("eq")?,
                    ge: num("ge")?,
                    gt: num("gt")?,
                    le: num("le")?,
                    lt: num("lt")?,
                })
            };
            out.insert(name.clone(), c);
        }
        Ok(out)
    };
    Ok(Expect { base: side("base")?, variant: side("variant")? })
}
