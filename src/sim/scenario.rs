//! Scenario files: the serde types of the public scenario contract and their strict validation.
//!
//! A scenario is `{"id", "title", "seed", "until_ms", "config", "commands"}` (DESIGN.md, "Scenario
//! file"). Readers paste these into the page and share them in links, so parsing is strict: every
//! unknown key, unknown node, wrong type or out-of-range value is an error that names its field by
//! path (`commands[3].node`, `config.network.drop`), never a panic and never a silent default.
//!
//! Validation is done by hand over a [`serde_json::Value`] rather than by serde derives, because a
//! derive can neither name the path of every error (a flattened, tagged command loses it) nor
//! check a value against the rest of the file (a node name against the config's topology).
//!
//! # Limits
//!
//! Top level: `id` 1..=64 characters of `[A-Za-z0-9_.-]` (required); `title` an object
//! `{"ko", "en"}` or one string for both (default: the id); `seed` any u64 (default 1);
//! `until_ms` 1..=3_600_000 (default 60000); `config` (default: every default); `commands`
//! (default: none). Config keys and their ranges are listed by [`config_keys`]. Commands:
//! `at_ms` ≤ `until_ms`; delivery names 1..=32 characters of `[A-Za-z0-9_-]`; `traffic.per_sec`
//! 1..=5000, `traffic.for_ms` 1..=3_600_000, `traffic.cancel_ratio` 0..=1, `traffic.step_ms`
//! 1..=60000; `pause.for_ms` 1..=600000; node names as listed by [`node_names`] for the config in
//! force at the command's time. On top of these, the work budget (`scenario/budget.rs`: commands,
//! `until_ms` × topology size, deliveries × nodes) bounds what a run may cost.
//!
//! # Guided lessons (optional top-level keys)
//!
//! ```json
//! "tour": [
//!   {"ko": "…", "en": "…", "at_ms": 1500, "focus": ["app", "relay-0"]}
//! ],
//! "compare": {"title": {"ko": "…", "en": "…"}, "set": {"publish": "outbox"}},
//! "expect": {
//!   "base":    {"lost": {"ge": 1}, "converged": false},
//!   "variant": {"lost": {"eq": 0}, "converged": true}
//! }
//! ```
//!
//! - `tour`: at most [`TOUR_STEPS_MAX`] steps, each `ko` and `en` 1..=[`TOUR_TEXT_LEN_MAX`]
//!   characters; `at_ms` (optional) ≤ `until_ms` and never lower than an earlier step's `at_ms`
//!   (the page runs the sim to that time when the step opens); `focus` (optional) at most 12 node
//!   names of the initial config, each once (the page highlights them).
//! - `compare`: the paired variant: the SAME seed, commands and faults with `set` (config key →
//!   value, at least one, keys as in `config` or dotted like `network.drop`) applied on top of
//!   `config`. Keys are validated like a `set` command (cross-key rules checked once, after all
//!   of them) and the variant's commands are re-checked against its config.
//!   [`crate::sim::lessons::variant`] builds it.
//! - `expect`: what the tour claims, checked by `tests/lessons_scenarios.rs`: `base` (the run as
//!   written) and `variant` (needs `compare`), each an object of measure → condition. A condition
//!   is `true`/`false` for `converged`, else an object of one or more of `eq`, `ge`, `gt`, `le`,
//!   `lt` with a finite number. Measures are listed by [`EXPECT_MEASURES`] (the checker's
//!   anomalies and counts, plus measured extras).

mod budget;
mod commands;
mod json;
mod keys;
mod lesson;
mod set;
mod types;

use serde_json::Value;

use super::config::Config;
pub use budget::{
    deliveries_max, deliveries_of, topology_size, until_ms_max, COMMANDS_MAX, DELIVERY_NODES_MAX, SIZE_MS_MAX,
};
use commands::{check_commands, parse_command_list};
use json::{parse_json_strict, parse_name, parse_title, want_u64, Obj};
pub use keys::{config_key, config_keys, is_topology_key, Accepts, Bound, ConfigKey, Group, BOUNDS, CONFIG_KEYS};
use lesson::parse_lesson;
use set::parse_config;
pub use set::{apply_cli_set, apply_cli_sets, apply_set, variant_config};
use types::Res;
pub use types::{Bounds, Compare, Condition, Expect, Scenario, ScenarioError, Title, TourStep};

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

/// Longest run, ms (one hour of virtual time).
pub const UNTIL_MS_MAX: u64 = 3_600_000;
/// `until_ms` when a scenario does not give one, ms.
pub const UNTIL_MS_DEFAULT: u64 = 60_000;
/// `seed` when a scenario does not give one.
pub const SEED_DEFAULT: u64 = 1;
/// Longest scenario id, characters.
pub const ID_LEN_MAX: usize = 64;
/// Longest delivery name, characters.
pub const DELIVERY_LEN_MAX: usize = 32;
/// Longest title, characters (per language).
pub const TITLE_LEN_MAX: usize = 200;
/// Longest description, characters (per language).
pub const DESCRIPTION_LEN_MAX: usize = 4000;
/// Longest `broadcast` value, characters.
pub const BROADCAST_LEN_MAX: usize = 200;
/// Highest `traffic.per_sec`, deliveries per second.
pub const TRAFFIC_PER_SEC_MAX: u64 = 5000;
/// Longest `pause.for_ms`, ms.
pub const PAUSE_MS_MAX: u64 = 600_000;
/// Longest `traffic.step_ms`, ms.
pub const STEP_MS_MAX: u64 = 60_000;
/// Most tour steps in one scenario.
pub const TOUR_STEPS_MAX: usize = 20;
/// Longest tour step text, characters (per language).
pub const TOUR_TEXT_LEN_MAX: usize = 1000;
/// Most nodes one tour step may highlight.
pub const FOCUS_MAX: usize = 12;

/// The measures an `expect` block may name: the checker's anomalies and counts, `converged`,
/// and measured extras (see `crate::sim::lessons::Outcome`). Latencies are in ms.
pub const EXPECT_MEASURES: &[&str] = &[
    // anomalies
    "lost",
    "phantom",
    "duplicate_applied",
    "duplicate_suppressed",
    "out_of_order",
    "invalid_transition",
    "stale_read",
    "acked_lost",
    // counts
    "committed",
    "published",
    "appended",
    "acked",
    "delivered",
    "applied",
    // convergence
    "converged",
    "converged_at_ms",
    // extras
    "reads",
    "reads_refused",
    "not_enough_replicas",
    "write_latency_p50_ms",
    "write_latency_p99_ms",
    "relay_lag_p99_ms",
    "relay_lag_max_ms",
    "consumer_lag_max",
    "servers_updated",
];

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// Parses and validates a scenario file. Every error names its field; nothing panics.
pub fn parse_scenario(json: &str) -> Result<Scenario, ScenarioError> {
    let value = parse_json_strict(json)?;
    parse_scenario_value(&value)
}

/// Validates a scenario already parsed to JSON (e.g. decoded from a `#s=` link).
pub fn parse_scenario_value(value: &Value) -> Result<Scenario, ScenarioError> {
    let top = Obj::new(value, "")?;
    top.check_keys(&[
        "id",
        "title",
        "description",
        "seed",
        "until_ms",
        "config",
        "commands",
        "tour",
        "compare",
        "expect",
    ])?;

    let id = match top.get("id") {
        Some(v) => parse_name(v, "id", ID_LEN_MAX, "A-Za-z0-9_.-", |c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
        })?,
        None => return Err(ScenarioError::new("id", "missing required field (the scenario's name)")),
    };
    let title = match top.get("title") {
        Some(v) => parse_title(v, "title", TITLE_LEN_MAX)?,
        None => Title::both(&id),
    };
    let description = match top.get("description") {
        Some(v) => Some(parse_title(v, "description", DESCRIPTION_LEN_MAX)?),
        None => None,
    };
    let seed = match top.get("seed") {
        Some(v) => want_u64(v, 0, u64::MAX).map_err(|m| ScenarioError::new("seed", m))?,
        None => SEED_DEFAULT,
    };
    let until_ms = match top.get("until_ms") {
        Some(v) => want_u64(v, 1, UNTIL_MS_MAX).map_err(|m| ScenarioError::new("until_ms", m))?,
        None => UNTIL_MS_DEFAULT,
    };
    let config = match top.get("config") {
        Some(v) => parse_config(v, "config")?,
        None => Config::default(),
    };
    let commands = match top.get("commands") {
        Some(v) => parse_command_list(v)?,
        None => Vec::new(),
    };
    check_commands(&config, until_ms, &commands)?;
    let mut scenario = Scenario {
        id,
        title,
        description,
        seed,
        until_ms,
        config,
        commands,
        tour: Vec::new(),
        compare: None,
        expect: None,
    };
    budget::check_work(&scenario)?;
    parse_lesson(&mut scenario, &top)?;
    if let Some(compare) = &scenario.compare {
        let mut variant = scenario.clone();
        variant.config = variant_config(&scenario.config, &compare.set)?;
        budget::check_work(&variant).map_err(|e| ScenarioError::new("compare.set", format!("the variant's {e}")))?;
    }
    Ok(scenario)
}

/// The scenario as pretty JSON in contract form; [`parse_scenario`] reads it back unchanged.
pub fn to_json(scenario: &Scenario) -> String {
    // Serialising plain data to a String cannot fail: every map key is a string and every float
    // is finite (validated).
    serde_json::to_string_pretty(scenario).expect("a scenario always serialises")
}

// Node names live in `topology` (built once, for the engine and for validation alike).
pub use super::topology::{node_names, node_role, node_roles, NodeRole};

/// A short description of the node names of a config, for error messages.
fn describe_nodes(config: &Config) -> String {
    let range = |first: String, last: String| if first == last { first } else { format!("{first}…{last}") };
    let mut parts = vec!["app".to_string()];
    parts.push(range("relay-0".into(), format!("relay-{}", config.outbox_shards.saturating_sub(1))));
    parts.push(range("broker-1".into(), format!("broker-{}", config.brokers)));
    parts.push("controller".into());
    parts.push(range("db1".into(), format!("db{}", config.replicas)));
    parts.push(range("db1-c1".into(), format!("db{}-c{}", config.replicas, config.consumers_per_group)));
    if config.dashboard {
        parts.push("dashboard".into());
    }
    parts.push("client".into());
    if config.servers > 0 {
        parts.push(range("server-1".into(), format!("server-{}", config.servers)));
    }
    parts.join(", ")
}
