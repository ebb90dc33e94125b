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
//! (default: none). Config keys and their ranges are listed by [`config_key_docs`]. Commands:
//! `at_ms` ≤ `until_ms`; delivery names 1..=32 characters of `[A-Za-z0-9_-]`; `traffic.per_sec`
//! 1..=5000, `traffic.for_ms` 1..=3_600_000, `traffic.cancel_ratio` 0..=1, `traffic.step_ms`
//! 1..=60000; `pause.for_ms` 1..=600000; node names as listed by [`node_names`] for the config in
//! force at the command's time.
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

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Number, Value};

use super::command::{Action, Command, CrashPoint};
use super::config::{Acks, BusGroups, CommitMode, Config, Partitioner, Publish, ReadMode, WriteMode, TOPOLOGY_KEYS};
use super::domain::Kind;

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
// Types
// ---------------------------------------------------------------------------------------------

/// A text in the page's two languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Title {
    /// Korean.
    pub ko: String,
    /// English.
    pub en: String,
}

impl Title {
    /// The same text in both languages (used when a scenario gives no title: its id).
    pub fn both(text: &str) -> Title {
        Title { ko: text.to_string(), en: text.to_string() }
    }
}

/// One step of a guided tour: what to do and what to watch, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TourStep {
    /// Korean text.
    pub ko: String,
    /// English text.
    pub en: String,
    /// When the step opens, the page runs the sim up to this time, ms (None: leave the clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// Nodes to highlight while the step is open (names of the initial config).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub focus: Vec<String>,
}

impl TourStep {
    /// The step's text in Korean (`ko == true`) or English.
    pub fn text(&self, ko: bool) -> &str {
        if ko {
            &self.ko
        } else {
            &self.en
        }
    }
}

/// The paired variant of a lesson: the same seed and commands with some config keys changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compare {
    /// What the variant is called ("아웃박스" / "Outbox").
    pub title: Title,
    /// Config key (as in `config`, or dotted: `network.drop`) → value, applied on top of `config`.
    pub set: BTreeMap<String, Value>,
}

/// A condition on one measure of a finished run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Condition {
    /// `converged` must be this.
    Flag(bool),
    /// The number must satisfy every bound given.
    Bounds(Bounds),
}

/// Numeric bounds; every bound given must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bounds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eq: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ge: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub le: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
}

impl Bounds {
    /// Whether `x` satisfies every bound.
    pub fn holds(&self, x: f64) -> bool {
        self.eq.is_none_or(|b| x == b)
            && self.ge.is_none_or(|b| x >= b)
            && self.gt.is_none_or(|b| x > b)
            && self.le.is_none_or(|b| x <= b)
            && self.lt.is_none_or(|b| x < b)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Flag(b) => write!(f, "{b}"),
            Condition::Bounds(b) => {
                let parts: Vec<String> = [("=", b.eq), ("≥", b.ge), (">", b.gt), ("≤", b.le), ("<", b.lt)]
                    .iter()
                    .filter_map(|(op, v)| v.map(|v| format!("{op} {v}")))
                    .collect();
                write!(f, "{}", parts.join(" and "))
            }
        }
    }
}

/// The outcome a lesson's tour claims, for the run as written (`base`) and for its variant.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Expect {
    /// Measure name → condition, for the scenario as written.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, Condition>,
    /// Measure name → condition, for the `compare` variant.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variant: BTreeMap<String, Condition>,
}

/// One scenario: a seed, a run length, a config and a list of timed commands.
///
/// `commands` keep the order of the file; the engine runs them by `at_ms`, ties in file order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Machine name: 1..=64 characters of `[A-Za-z0-9_.-]` (used in URLs and on the CLI).
    pub id: String,
    /// Human name, in Korean and English.
    pub title: Title,
    /// Optional longer text shown with the scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Title>,
    /// Seed of the run's one PRNG.
    pub seed: u64,
    /// End of the run, ms of virtual time.
    pub until_ms: u64,
    /// Settings at the start of the run (serialised in full).
    pub config: Config,
    /// Timed inputs and faults.
    pub commands: Vec<Command>,
    /// Guided tour (optional): steps shown one at a time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tour: Vec<TourStep>,
    /// The paired variant (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<Compare>,
    /// The outcome the tour claims (optional; checked by tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
}

impl Scenario {
    /// The config the topology is built from: `config` with every `set` at `at_ms` 0 applied,
    /// in file order. (A `set` of a topology key is allowed only at `at_ms` 0, so this config
    /// fixes the node list for the whole run.)
    pub fn initial_config(&self) -> Config {
        let mut config = self.config.clone();
        for c in self.commands.iter().filter(|c| c.at_ms == 0) {
            if let Action::Set { key, value } = &c.action {
                // A parsed scenario's sets are valid; an invalid one is skipped here and reported
                // by `validate`.
                let mut next = config.clone();
                if apply_set(&mut next, key, value).is_ok() {
                    config = next;
                }
            }
        }
        config
    }

    /// Re-checks a scenario built or changed in code (e.g. after `--seed`, `--until-ms` or
    /// `--set` on the CLI) with exactly the rules of [`parse_scenario`].
    pub fn validate(&self) -> Result<(), ScenarioError> {
        parse_scenario(&to_json(self)).map(|_| ())
    }
}

/// Why a scenario (or one config key) was refused. `field` is a path into the file, like
/// `commands[3].node` or `config.network.drop`; `$` is the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Path of the offending value.
    pub field: String,
    /// What is wrong and, where it helps, what would be right.
    pub message: String,
}

impl ScenarioError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for ScenarioError {}

type Res<T> = Result<T, ScenarioError>;

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
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, c)| parse_command(c, &format!("commands[{i}]")))
            .collect::<Res<Vec<_>>>()?,
        Some(other) => {
            return Err(ScenarioError::new(
                "commands",
                format!("must be an array of commands, got {}", describe(other)),
            ))
        }
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
    Ok(scenario)
}

/// `config` with a `compare.set` applied: each key validated like a `set` command, the cross-key
/// rules checked once after all of them. The error names `compare.set.<key>`.
pub fn variant_config(config: &Config, set: &BTreeMap<String, Value>) -> Result<Config, ScenarioError> {
    let mut next = config.clone();
    for (k, v) in set {
        set_key(&mut next, k, v).map_err(|e| ScenarioError::new(format!("compare.set.{k}"), e.message))?;
    }
    check_config(&next).map_err(|e| ScenarioError::new(format!("compare.set.{}", e.key), e.message))?;
    Ok(next)
}

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
        let path = format!("tour[{i}]");
        let obj = Obj::new(item, &path)?;
        obj.check_keys(&["ko", "en", "at_ms", "focus"])?;
        let text = |k: &str| -> Res<String> {
            parse_name(obj.req(k)?, &obj.field(k), TOUR_TEXT_LEN_MAX, "any", |c| !c.is_control() || c == '\n')
        };
        let ko = text("ko")?;
        let en = text("en")?;
        let at_ms = obj.opt("at_ms", |v| want_u64(v, 0, until_ms))?;
        if let Some(at) = at_ms {
            if let Some((j, before)) = last_at {
                if at < before {
                    return Err(obj.err(
                        "at_ms",
                        format!("{at} is earlier than tour[{j}].at_ms ({before}): the tour only moves forward"),
                    ));
                }
            }
            last_at = Some((i, at));
        }
        let mut focus = Vec::new();
        match obj.get("focus") {
            None => {}
            Some(Value::Array(names)) => {
                if names.len() > FOCUS_MAX {
                    return Err(obj.err("focus", format!("at most {FOCUS_MAX} nodes, got {}", names.len())));
                }
                for (n, v) in names.iter().enumerate() {
                    let field = format!("{path}.focus[{n}]");
                    let name = want_str(v).map_err(|m| ScenarioError::new(&field, m))?;
                    if node_role(config, name).is_none() {
                        let all = node_names(config);
                        let all: Vec<&str> = all.iter().map(String::as_str).collect();
                        return Err(ScenarioError::new(
                            field,
                            format!(
                                "unknown node `{name}`{}; nodes are {}",
                                suggest(name, &all),
                                describe_nodes(config)
                            ),
                        ));
                    }
                    if focus.iter().any(|f| f == name) {
                        return Err(ScenarioError::new(field, format!("`{name}` is named twice")));
                    }
                    focus.push(name.to_string());
                }
            }
            Some(other) => {
                return Err(obj.err("focus", format!("must be an array of node names, got {}", describe(other))))
            }
        }
        steps.push(TourStep { ko, en, at_ms, focus });
    }
    Ok(steps)
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

/// The scenario as pretty JSON in contract form; [`parse_scenario`] reads it back unchanged.
pub fn to_json(scenario: &Scenario) -> String {
    // Serialising plain data to a String cannot fail: every map key is a string and every float
    // is finite (validated).
    serde_json::to_string_pretty(scenario).expect("a scenario always serialises")
}

/// Sets one config key (`acks`, or `network.drop`; `network` takes an object of network keys)
/// to a JSON value, validated exactly as in a scenario's `config`, then re-checks the rules that
/// tie keys together (replication_factor ≤ brokers, …). On error `config` is unchanged and the
/// message names the key: "`network.drop`: must be a number in 0..=1, got 2".
pub fn apply_set(config: &mut Config, key: &str, value: &Value) -> Result<(), String> {
    let mut next = config.clone();
    set_key(&mut next, key, value).map_err(|e| e.to_string())?;
    check_config(&next).map_err(|e| e.to_string())?;
    *config = next;
    Ok(())
}

/// Applies one `--set key=value` of the CLI. The value is read as JSON when it parses as JSON,
/// else taken as a string, so `acks=all`, `acks=1`, `network.drop=0.1` and
/// `publish=dual_write` all work. Unlike a `set` command it may change topology keys (it
/// applies before the run). Cross-key rules are checked after this one key; to change keys
/// that depend on each other (brokers and replication_factor) use [`apply_cli_sets`].
pub fn apply_cli_set(config: &mut Config, assignment: &str) -> Result<(), String> {
    apply_cli_sets(config, &[assignment])
}

/// Applies several `--set key=value` in order and checks the cross-key rules once, at the end,
/// so `--set brokers=1 --set replication_factor=1 --set min_insync_replicas=1` works in any
/// order. On error `config` is unchanged.
pub fn apply_cli_sets<S: AsRef<str>>(config: &mut Config, assignments: &[S]) -> Result<(), String> {
    let mut next = config.clone();
    for a in assignments {
        let (key, value) = split_cli_set(a.as_ref())?;
        set_key(&mut next, key, &value).map_err(|e| e.to_string())?;
    }
    check_config(&next).map_err(|e| e.to_string())?;
    *config = next;
    Ok(())
}

fn split_cli_set(assignment: &str) -> Result<(&str, Value), String> {
    let Some((key, raw)) = assignment.split_once('=') else {
        return Err(format!("`{assignment}`: expected key=value (e.g. acks=all)"));
    };
    let key = key.trim();
    let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Ok((key, value))
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

// ---------------------------------------------------------------------------------------------
// Config keys
// ---------------------------------------------------------------------------------------------

/// One config key as documented for readers: name, default, accepted values, meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyDoc {
    /// The key as written in `config` or in a `set` (`network.drop`).
    pub key: &'static str,
    /// The default, as JSON.
    pub default: &'static str,
    /// The accepted values.
    pub accepts: &'static str,
    /// What it does (English).
    pub doc: &'static str,
    /// Whether the key shapes the topology (a `set` of it is refused after `at_ms` 0).
    pub topology: bool,
}

const fn kd(
    key: &'static str,
    default: &'static str,
    accepts: &'static str,
    doc: &'static str,
    topology: bool,
) -> KeyDoc {
    KeyDoc { key, default, accepts, doc, topology }
}

const KEY_DOCS: &[KeyDoc] = &[
    kd("brokers", "3", "integer 1..=9", "Kafka-like brokers broker-1…broker-N.", true),
    kd("partitions", "3", "integer 1..=12", "Partitions of the delivery topic.", true),
    kd("replication_factor", "3", "integer 1..=brokers", "Copies of each partition.", true),
    kd(
        "min_insync_replicas",
        "2",
        "integer 1..=replication_factor",
        "ISR size acks=all needs to accept a write.",
        false,
    ),
    kd(
        "acks",
        "\"all\"",
        "\"0\" | \"1\" | \"all\", or 0 | 1 | -1 (= all)",
        "Replicas that must have a record before the producer is answered.",
        false,
    ),
    kd("unclean_leader_election", "false", "boolean", "Whether an out-of-sync replica may become leader.", false),
    kd(
        "idempotent_producer",
        "true",
        "boolean",
        "Producer id + sequence numbers: the broker drops retried batches it has.",
        false,
    ),
    kd(
        "max_in_flight",
        "5",
        "integer 1..=10 (1..=5 with idempotent_producer)",
        "Unacknowledged batches per partition.",
        false,
    ),
    kd("partitioner", "\"key\"", "\"key\" | \"round_robin\"", "How a record's partition is chosen.", false),
    kd("publish", "\"outbox\"", "\"outbox\" | \"dual_write\"", "How the service gets an event to the broker.", false),
    kd("outbox_shards", "1", "integer 1..=8", "Outbox shards, one CDC relay each (relay-0…).", true),
    kd(
        "consumer_commit",
        "\"after_process\"",
        "\"after_process\" | \"before_process\"",
        "When consumers commit offsets: at-least-once or at-most-once.",
        false,
    ),
    kd("idempotent_consumer", "true", "boolean", "Consumers record processed event ids and skip repeats.", false),
    kd("replicas", "3", "integer 1..=5", "Replica databases db1…dbR, one consumer group each.", true),
    kd("consumers_per_group", "1", "integer 1..=6", "Members of each replica's consumer group (dbI-c1…).", true),
    kd(
        "write_mode",
        "\"via_broker\"",
        "\"serial_sync\" | \"quorum\" | \"serial_async\" | \"via_broker\"",
        "How replicas get a write and when the writer is acknowledged.",
        false,
    ),
    kd("read_mode", "\"one\"", "\"one\" | \"quorum\" | \"all\"", "How the client reads.", false),
    kd("network.latency_ms", "5", "integer 0..=10000 (ms)", "One-way latency of every link.", false),
    kd("network.jitter_ms", "2", "integer 0..=10000 (ms)", "Uniform extra delay up to this.", false),
    kd("network.drop", "0.0", "number 0..=1", "Probability that a message is lost.", false),
    kd("network.duplicate", "0.0", "number 0..=1", "Probability that a message is delivered twice.", false),
    kd("servers", "0", "integer 0..=6", "Event-bus servers server-1…server-N (0: no event bus).", true),
    kd(
        "bus_groups",
        "\"per_server\"",
        "\"per_server\" | \"shared\"",
        "One consumer group per server, or one shared group.",
        true,
    ),
    kd("dashboard", "true", "boolean", "Whether the streams dashboard runs.", true),
    kd("relay_ms_per_record", "2.0", "number 0..=1000 (ms)", "CPU time a relay spends per outbox record.", false),
    kd(
        "consumer_ms_per_record",
        "1.0",
        "number 0..=1000 (ms)",
        "CPU time a consumer spends applying one record.",
        false,
    ),
    kd(
        "replica_spread_ms",
        "3",
        "integer 0..=1000 (ms)",
        "Replica dbI sits (I-1) × this much farther away (other zones): extra one-way latency on its links.",
        false,
    ),
];

/// Every config key with its default and accepted values, in the contract's order.
pub fn config_key_docs() -> &'static [KeyDoc] {
    KEY_DOCS
}

const NETWORK_KEYS: &[&str] = &["latency_ms", "jitter_ms", "drop", "duplicate"];

/// Top-level config keys, in contract order (`network` is an object of [`NETWORK_KEYS`]).
const CONFIG_KEYS: &[&str] = &[
    "brokers",
    "partitions",
    "replication_factor",
    "min_insync_replicas",
    "acks",
    "unclean_leader_election",
    "idempotent_producer",
    "max_in_flight",
    "partitioner",
    "publish",
    "outbox_shards",
    "consumer_commit",
    "idempotent_consumer",
    "replicas",
    "consumers_per_group",
    "write_mode",
    "read_mode",
    "network",
    "servers",
    "bus_groups",
    "dashboard",
    "relay_ms_per_record",
    "consumer_ms_per_record",
    "replica_spread_ms",
];

/// A refused config key: the key (`network.drop`) and why.
#[derive(Debug)]
struct KeyError {
    key: String,
    unknown: bool,
    message: String,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

fn key_err(key: &str, message: String) -> KeyError {
    KeyError { key: key.to_string(), unknown: false, message }
}

/// Sets one key, checking only that key's own range (cross-key rules are [`check_config`]).
fn set_key(config: &mut Config, key: &str, value: &Value) -> Result<(), KeyError> {
    let e = |m: String| key_err(key, m);
    let u32_in = |lo: u32, hi: u32| want_u64(value, lo as u64, hi as u64).map(|n| n as u32).map_err(e);
    match key {
        "brokers" => config.brokers = u32_in(1, 9)?,
        "partitions" => config.partitions = u32_in(1, 12)?,
        "replication_factor" => config.replication_factor = u32_in(1, 9)?,
        "min_insync_replicas" => config.min_insync_replicas = u32_in(1, 9)?,
        "acks" => config.acks = parse_acks(value).map_err(e)?,
        "unclean_leader_election" => config.unclean_leader_election = want_bool(value).map_err(e)?,
        "idempotent_producer" => config.idempotent_producer = want_bool(value).map_err(e)?,
        "max_in_flight" => config.max_in_flight = u32_in(1, 10)?,
        "partitioner" => {
            config.partitioner =
                want_enum(value, &[("key", Partitioner::Key), ("round_robin", Partitioner::RoundRobin)]).map_err(e)?
        }
        "publish" => {
            config.publish =
                want_enum(value, &[("outbox", Publish::Outbox), ("dual_write", Publish::DualWrite)]).map_err(e)?
        }
        "outbox_shards" => config.outbox_shards = u32_in(1, 8)?,
        "consumer_commit" => {
            config.consumer_commit = want_enum(
                value,
                &[("after_process", CommitMode::AfterProcess), ("before_process", CommitMode::BeforeProcess)],
            )
            .map_err(e)?
        }
        "idempotent_consumer" => config.idempotent_consumer = want_bool(value).map_err(e)?,
        "replicas" => config.replicas = u32_in(1, 5)?,
        "consumers_per_group" => config.consumers_per_group = u32_in(1, 6)?,
        "write_mode" => {
            config.write_mode = want_enum(
                value,
                &[
                    ("serial_sync", WriteMode::SerialSync),
                    ("quorum", WriteMode::Quorum),
                    ("serial_async", WriteMode::SerialAsync),
                    ("via_broker", WriteMode::ViaBroker),
                ],
            )
            .map_err(e)?
        }
        "read_mode" => config.read_mode = parse_read_mode(value).map_err(e)?,
        "network" => {
            let Value::Object(map) = value else {
                return Err(e(format!("must be an object of {}, got {}", list(NETWORK_KEYS), describe(value))));
            };
            for (k, v) in map {
                set_key(config, &format!("network.{k}"), v)?;
            }
        }
        "network.latency_ms" => config.network.latency_ms = want_u64(value, 0, 10_000).map_err(e)?,
        "network.jitter_ms" => config.network.jitter_ms = want_u64(value, 0, 10_000).map_err(e)?,
        "network.drop" => config.network.drop = want_f64(value, 0.0, 1.0).map_err(e)?,
        "network.duplicate" => config.network.duplicate = want_f64(value, 0.0, 1.0).map_err(e)?,
        "servers" => config.servers = u32_in(0, 6)?,
        "bus_groups" => {
            config.bus_groups =
                want_enum(value, &[("per_server", BusGroups::PerServer), ("shared", BusGroups::Shared)]).map_err(e)?
        }
        "dashboard" => config.dashboard = want_bool(value).map_err(e)?,
        "relay_ms_per_record" => config.relay_ms_per_record = want_f64(value, 0.0, 1000.0).map_err(e)?,
        "consumer_ms_per_record" => config.consumer_ms_per_record = want_f64(value, 0.0, 1000.0).map_err(e)?,
        "replica_spread_ms" => config.replica_spread_ms = want_u64(value, 0, 1000).map_err(e)?,
        _ => {
            let message = match key.strip_prefix("network.") {
                Some(k) => {
                    format!("unknown network key{}; network keys are {}", suggest(k, NETWORK_KEYS), list(NETWORK_KEYS))
                }
                None => {
                    let all: Vec<&str> = KEY_DOCS.iter().map(|d| d.key).chain(["network"]).collect();
                    format!("unknown config key{}; keys are {}", suggest(key, &all), list(CONFIG_KEYS))
                }
            };
            return Err(KeyError { key: key.to_string(), unknown: true, message });
        }
    }
    Ok(())
}

/// The rules that tie keys together. The error names the key that has to change.
fn check_config(config: &Config) -> Result<(), KeyError> {
    if config.replication_factor > config.brokers {
        return Err(key_err(
            "replication_factor",
            format!(
                "{} copies need at least as many brokers, but brokers is {}",
                config.replication_factor, config.brokers
            ),
        ));
    }
    if config.min_insync_replicas > config.replication_factor {
        return Err(key_err(
            "min_insync_replicas",
            format!(
                "must be at most replication_factor ({}), got {} (acks=all could never succeed)",
                config.replication_factor, config.min_insync_replicas
            ),
        ));
    }
    if config.idempotent_producer && config.max_in_flight > 5 {
        return Err(key_err(
            "max_in_flight",
            format!(
                "must be at most 5 when idempotent_producer is true (Kafka: enable.idempotence requires \
                 max.in.flight.requests.per.connection ≤ 5), got {}",
                config.max_in_flight
            ),
        ));
    }
    Ok(())
}

fn parse_config(value: &Value, path: &str) -> Res<Config> {
    let obj = Obj::new(value, path)?;
    let mut config = Config::default();
    // Keys in contract order, so the first error reported does not depend on the file's order.
    for key in CONFIG_KEYS {
        if let Some(v) = obj.get(key) {
            set_key(&mut config, key, v).map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
        }
    }
    for key in obj.map.keys() {
        if !CONFIG_KEYS.contains(&key.as_str()) {
            let e = set_key(&mut Config::default(), key, &Value::Null).expect_err("an unknown key is refused");
            return Err(ScenarioError::new(format!("{path}.{key}"), e.message));
        }
    }
    check_config(&config).map_err(|e| ScenarioError::new(format!("{path}.{}", e.key), e.message))?;
    Ok(config)
}

fn parse_acks(value: &Value) -> Result<Acks, String> {
    let acks = match value {
        Value::String(s) => match s.as_str() {
            "0" => Some(Acks::Zero),
            "1" => Some(Acks::One),
            "all" => Some(Acks::All),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(Acks::Zero),
            Some(1) => Some(Acks::One),
            Some(-1) => Some(Acks::All),
            _ => None,
        },
        _ => None,
    };
    acks.ok_or_else(|| format!("must be \"0\", \"1\" or \"all\" (or 0, 1, -1 = all), got {}", describe(value)))
}

fn parse_read_mode(value: &Value) -> Result<ReadMode, String> {
    want_enum(value, &[("one", ReadMode::One), ("quorum", ReadMode::Quorum), ("all", ReadMode::All)])
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const DO_NAMES: &[&str] = &[
    "fire",
    "traffic",
    "crash",
    "restart",
    "cut",
    "partition",
    "heal",
    "pause",
    "net",
    "read",
    "set",
    "wipe",
    "broadcast",
];

/// Parses one command's shape: keys, types and ranges that need no context. Node names, `set`
/// values and times are checked against the scenario by [`check_commands`].
fn parse_command(value: &Value, path: &str) -> Res<Command> {
    let obj = Obj::new(value, path)?;
    let do_name = match obj.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(obj.err("do", format!("must be a string, one of {}, got {}", list(DO_NAMES), describe(other))))
        }
        None => return Err(obj.err("do", format!("missing required field (one of {})", list(DO_NAMES)))),
    };
    let keys: &[&str] = match do_name {
        "fire" => &["delivery", "event"],
        "traffic" => &["per_sec", "for_ms", "cancel_ratio", "step_ms"],
        "crash" => &["node", "when"],
        "restart" => &["node"],
        "cut" => &["from", "to", "oneway"],
        "partition" => &["groups"],
        "heal" => &["from", "to"],
        "pause" => &["node", "for_ms"],
        "net" => NETWORK_KEYS,
        "read" => &["delivery", "mode", "replica"],
        "set" => &["key", "value"],
        "wipe" => &["replica"],
        "broadcast" => &["value"],
        other => {
            return Err(obj.err(
                "do",
                format!("unknown command `{other}`{}; commands are {}", suggest(other, DO_NAMES), list(DO_NAMES)),
            ))
        }
    };
    let mut allowed = vec!["at_ms", "do"];
    allowed.extend_from_slice(keys);
    obj.check_keys(&allowed)?;
    let at_ms = obj.u64_req("at_ms", 0, UNTIL_MS_MAX)?;

    let action = match do_name {
        "fire" => Action::Fire { delivery: obj.delivery("delivery")?, event: obj.kind("event")? },
        "traffic" => Action::Traffic {
            per_sec: obj.u64_req("per_sec", 1, TRAFFIC_PER_SEC_MAX)? as u32,
            for_ms: obj.u64_req("for_ms", 1, UNTIL_MS_MAX)?,
            cancel_ratio: obj.opt("cancel_ratio", |v| want_f64(v, 0.0, 1.0))?.unwrap_or(0.0),
            step_ms: obj.opt("step_ms", |v| want_u64(v, 1, STEP_MS_MAX))?,
        },
        "crash" => Action::Crash {
            node: obj.str_req("node")?,
            when: obj.opt("when", |v| {
                want_enum(
                    v,
                    &[
                        ("after_db_commit", CrashPoint::AfterDbCommit),
                        ("after_publish", CrashPoint::AfterPublish),
                        ("after_apply", CrashPoint::AfterApply),
                    ],
                )
            })?,
        },
        "restart" => Action::Restart { node: obj.str_req("node")? },
        "cut" => Action::Cut {
            from: obj.str_req("from")?,
            to: obj.str_req("to")?,
            oneway: obj.opt("oneway", want_bool)?.unwrap_or(false),
        },
        "partition" => Action::Partition { groups: obj.groups("groups")? },
        "heal" => {
            let from = obj.opt("from", |v| want_str(v).map(str::to_string))?;
            let to = obj.opt("to", |v| want_str(v).map(str::to_string))?;
            match (&from, &to) {
                (Some(_), None) => {
                    return Err(obj.err(
                        "to",
                        "missing: give both `from` and `to` to heal one link, or neither to heal every cut",
                    ))
                }
                (None, Some(_)) => {
                    return Err(obj.err(
                        "from",
                        "missing: give both `from` and `to` to heal one link, or neither to heal every cut",
                    ))
                }
                _ => {}
            }
            Action::Heal { from, to }
        }
        "pause" => Action::Pause { node: obj.str_req("node")?, for_ms: obj.u64_req("for_ms", 1, PAUSE_MS_MAX)? },
        "net" => {
            if obj.map.len() == 2 {
                return Err(ScenarioError::new(path, format!("`net` needs at least one of {}", list(NETWORK_KEYS))));
            }
            Action::Net {
                latency_ms: obj.opt("latency_ms", |v| want_u64(v, 0, 10_000))?,
                jitter_ms: obj.opt("jitter_ms", |v| want_u64(v, 0, 10_000))?,
                drop: obj.opt("drop", |v| want_f64(v, 0.0, 1.0))?,
                duplicate: obj.opt("duplicate", |v| want_f64(v, 0.0, 1.0))?,
            }
        }
        "read" => {
            let mode = obj.opt("mode", parse_read_mode)?;
            let replica = obj.opt("replica", |v| want_str(v).map(str::to_string))?;
            if let (Some(m @ (ReadMode::Quorum | ReadMode::All)), Some(_)) = (mode, &replica) {
                let m = if m == ReadMode::Quorum { "quorum" } else { "all" };
                return Err(obj.err("replica", format!("pins a `one` read to a replica; a `{m}` read reads several")));
            }
            Action::Read { delivery: obj.delivery("delivery")?, mode, replica }
        }
        "set" => {
            let key = obj.str_req("key")?;
            let value = obj.req("value")?.clone();
            Action::Set { key, value }
        }
        "wipe" => Action::Wipe { replica: obj.str_req("replica")? },
        "broadcast" => Action::Broadcast {
            value: parse_name(obj.req("value")?, &obj.field("value"), BROADCAST_LEN_MAX, "any", |c| !c.is_control())?,
        },
        _ => unreachable!("`do` was matched above"),
    };
    Ok(Command { at_ms, action })
}

/// Checks what needs the whole scenario: times against `until_ms`, and, walking the commands in
/// run order (by `at_ms`, ties in file order) with the config in force at each, `set` values
/// and node names.
fn check_commands(initial: &Config, until_ms: u64, commands: &[Command]) -> Res<()> {
    for (i, c) in commands.iter().enumerate() {
        if c.at_ms > until_ms {
            return Err(ScenarioError::new(
                format!("commands[{i}].at_ms"),
                format!("{} is after the end of the run (until_ms {until_ms})", c.at_ms),
            ));
        }
    }
    let mut order: Vec<usize> = (0..commands.len()).collect();
    order.sort_by_key(|&i| commands[i].at_ms);
    let mut config = initial.clone();
    for i in order {
        let path = format!("commands[{i}]");
        check_command(&mut config, &commands[i], &path)?;
    }
    Ok(())
}

fn check_command(config: &mut Config, command: &Command, path: &str) -> Res<()> {
    let field = |k: &str| format!("{path}.{k}");
    let node = |k: &str, name: &str| -> Res<NodeRole> {
        node_role(config, name).ok_or_else(|| {
            let names = node_names(config);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            ScenarioError::new(
                field(k),
                format!("unknown node `{name}`{}; nodes are {}", suggest(name, &names), describe_nodes(config)),
            )
        })
    };
    let replica = |k: &str, name: &str| -> Res<u32> {
        match node(k, name)? {
            NodeRole::Db(i) => Ok(i),
            _ => Err(ScenarioError::new(
                field(k),
                format!("`{name}` is not a replica database; replicas are {}", list_owned(&db_names(config))),
            )),
        }
    };
    match &command.action {
        Action::Crash { node: name, when } => {
            let role = node("node", name)?;
            if let Some(when) = when {
                let fits = matches!(
                    (when, role),
                    (CrashPoint::AfterDbCommit, NodeRole::App)
                        | (CrashPoint::AfterPublish, NodeRole::Relay(_))
                        | (CrashPoint::AfterApply, NodeRole::Consumer { .. })
                );
                if !fits {
                    let needs = match when {
                        CrashPoint::AfterDbCommit => "`app`",
                        CrashPoint::AfterPublish => "a relay (`relay-N`)",
                        CrashPoint::AfterApply => "a consumer (`dbI-cJ`)",
                    };
                    return Err(ScenarioError::new(
                        field("when"),
                        format!("`{}` is a crash point of {needs}, not of `{name}`", when.as_str()),
                    ));
                }
            }
        }
        Action::Restart { node: name } | Action::Pause { node: name, .. } => {
            node("node", name)?;
        }
        Action::Cut { from, to, .. } => {
            node("from", from)?;
            node("to", to)?;
            if from == to {
                return Err(ScenarioError::new(field("to"), format!("cannot cut `{from}` from itself")));
            }
        }
        Action::Heal { from: Some(from), to: Some(to) } => {
            node("from", from)?;
            node("to", to)?;
            if from == to {
                return Err(ScenarioError::new(field("to"), format!("there is no link from `{from}` to itself")));
            }
        }
        Action::Heal { .. } => {}
        Action::Partition { groups } => {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (g, group) in groups.iter().enumerate() {
                for (n, name) in group.iter().enumerate() {
                    let k = format!("groups[{g}][{n}]");
                    node(&k, name)?;
                    if let Some(first) = seen.insert(name, g) {
                        let message = if first == g {
                            format!("`{name}` is named twice in group {g}")
                        } else {
                            format!("`{name}` is already in group {first}: a node can be in only one group")
                        };
                        return Err(ScenarioError::new(field(&k), message));
                    }
                }
            }
        }
        Action::Read { replica: Some(name), .. } => {
            replica("replica", name)?;
        }
        Action::Wipe { replica: name } => {
            replica("replica", name)?;
        }
        Action::Set { key, value } => {
            if command.at_ms > 0 && TOPOLOGY_KEYS.contains(&key.as_str()) {
                return Err(ScenarioError::new(
                    field("key"),
                    format!("`{key}` shapes the topology and needs a restart: put it in `config`"),
                ));
            }
            let mut next = config.clone();
            set_key(&mut next, key, value).map_err(|e| {
                if e.unknown {
                    ScenarioError::new(field("key"), e.message)
                } else {
                    ScenarioError::new(field("value"), e.to_string())
                }
            })?;
            check_config(&next).map_err(|e| ScenarioError::new(field("value"), format!("after this set, {e}")))?;
            *config = next;
        }
        Action::Broadcast { .. } => {
            if config.servers == 0 {
                return Err(ScenarioError::new(
                    field("do"),
                    "`broadcast` needs the event bus: set config.servers to 1 or more",
                ));
            }
        }
        Action::Fire { .. } | Action::Traffic { .. } | Action::Net { .. } | Action::Read { .. } => {}
    }
    Ok(())
}

fn db_names(config: &Config) -> Vec<String> {
    (1..=config.replicas).map(|i| format!("db{i}")).collect()
}

impl<'de> Deserialize<'de> for Command {
    /// A command's shape is checked by hand (`at_ms` next to a flattened, tagged action cannot
    /// use `deny_unknown_fields`). Node names need a config, so they are checked only by
    /// [`parse_scenario`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_command(&value, "command").map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Scenario {
    /// The whole of [`parse_scenario_value`]'s validation.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_scenario_value(&value).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Title {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_title(&value, "title", TITLE_LEN_MAX).map_err(de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

/// Parses JSON into a Value, refusing duplicate keys (serde_json would keep the last one
/// silently). Errors carry the path (from serde_path_to_error) and the line and column.
fn parse_json_strict(json: &str) -> Res<Value> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(json);
    let mut track = serde_path_to_error::Track::new();
    let value = StrictValue(&duplicate)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|inner| {
            if !inner.is_data() {
                // A syntax error: the path of a half-read value says little, line and column all.
                return ScenarioError::new("$", format!("malformed JSON: {inner}"));
            }
            let path = track.path().to_string();
            let field = match (path.as_str(), duplicate.borrow_mut().take()) {
                (".", Some(key)) => key,
                (_, Some(key)) => format!("{path}.{key}"),
                (".", None) => "$".to_string(),
                (_, None) => path,
            };
            ScenarioError::new(field, inner.to_string())
        })?;
    de.end().map_err(|e| ScenarioError::new("$", format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// A `serde_json::Value` seed that refuses duplicate object keys, leaving the key in its cell
/// (the tracked path stops at the object that holds it).
#[derive(Clone, Copy)]
struct StrictValue<'a>(&'a RefCell<Option<String>>);

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                *self.0.borrow_mut() = Some(key.clone());
                return Err(de::Error::custom(format!("duplicate key `{key}` (give each key once)")));
            }
            let v = map.next_value_seed(self)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A JSON object being validated, with its path for error messages.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, path: &str) -> Res<Obj<'a>> {
        match value {
            Value::Object(map) => Ok(Obj { map, path: path.to_string() }),
            other => Err(ScenarioError::new(
                if path.is_empty() { "$" } else { path },
                format!("must be an object, got {}", describe(other)),
            )),
        }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.field(key), message)
    }

    fn check_keys(&self, allowed: &[&str]) -> Res<()> {
        // A Map iterates in key order, so the first unknown key reported is fixed.
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(self.err(k, format!("unknown key{}; allowed here: {}", suggest(k, allowed), list(allowed)))),
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    fn req(&self, key: &str) -> Res<&'a Value> {
        self.get(key).ok_or_else(|| self.err(key, "missing required field"))
    }

    fn opt<T>(&self, key: &str, f: impl FnOnce(&Value) -> Result<T, String>) -> Res<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => f(v).map(Some).map_err(|m| self.err(key, m)),
        }
    }

    fn u64_req(&self, key: &str, lo: u64, hi: u64) -> Res<u64> {
        want_u64(self.req(key)?, lo, hi).map_err(|m| self.err(key, m))
    }

    fn str_req(&self, key: &str) -> Res<String> {
        want_str(self.req(key)?).map(str::to_string).map_err(|m| self.err(key, m))
    }

    fn delivery(&self, key: &str) -> Res<String> {
        parse_name(self.req(key)?, &self.field(key), DELIVERY_LEN_MAX, "A-Za-z0-9_-", |c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-'
        })
    }

    fn kind(&self, key: &str) -> Res<Kind> {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let v = self.req(key)?;
        let s = want_str(v).map_err(|m| self.err(key, m))?;
        Kind::parse(s).ok_or_else(|| {
            self.err(key, format!("unknown event `{s}`{}; events are {}", suggest(s, &names), list(&names)))
        })
    }

    fn groups(&self, key: &str) -> Res<Vec<Vec<String>>> {
        let field = self.field(key);
        let Value::Array(groups) = self.req(key)? else {
            return Err(self.err(key, "must be an array of groups, each an array of node names"));
        };
        if groups.len() < 2 {
            return Err(self.err(key, format!("needs at least two groups to cut between, got {}", groups.len())));
        }
        let mut out = Vec::with_capacity(groups.len());
        for (g, group) in groups.iter().enumerate() {
            let gfield = format!("{field}[{g}]");
            let Value::Array(names) = group else {
                return Err(ScenarioError::new(
                    gfield,
                    format!("must be an array of node names, got {}", describe(group)),
                ));
            };
            if names.is_empty() {
                return Err(ScenarioError::new(gfield, "empty group: name at least one node"));
            }
            let names = names
                .iter()
                .enumerate()
                .map(|(n, v)| {
                    want_str(v).map(str::to_string).map_err(|m| ScenarioError::new(format!("{gfield}[{n}]"), m))
                })
                .collect::<Res<Vec<_>>>()?;
            out.push(names);
        }
        Ok(out)
    }
}

fn parse_title(value: &Value, path: &str, max: usize) -> Res<Title> {
    let text =
        |v: &Value, field: &str| -> Res<String> { parse_name(v, field, max, "any", |c| !c.is_control() || c == '\n') };
    match value {
        Value::String(_) => Ok(Title::both(&text(value, path)?)),
        Value::Object(_) => {
            let obj = Obj::new(value, path)?;
            obj.check_keys(&["ko", "en"])?;
            Ok(Title { ko: text(obj.req("ko")?, &obj.field("ko"))?, en: text(obj.req("en")?, &obj.field("en"))? })
        }
        other => Err(ScenarioError::new(
            path,
            format!("must be {{\"ko\": …, \"en\": …}} or one string, got {}", describe(other)),
        )),
    }
}

/// A non-empty string of at most `max` characters, each accepted by `ok`.
fn parse_name(value: &Value, field: &str, max: usize, charset: &str, ok: impl Fn(char) -> bool) -> Res<String> {
    let s = want_str(value).map_err(|m| ScenarioError::new(field, m))?;
    let len = s.chars().count();
    if len == 0 || len > max {
        return Err(ScenarioError::new(field, format!("must be 1..={max} characters, got {len}")));
    }
    if let Some(c) = s.chars().find(|&c| !ok(c)) {
        let allowed = if charset == "any" { "printable characters".to_string() } else { format!("only [{charset}]") };
        return Err(ScenarioError::new(field, format!("character {c:?} is not allowed ({allowed})")));
    }
    Ok(s.to_string())
}

fn want_u64(value: &Value, lo: u64, hi: u64) -> Result<u64, String> {
    let range = if hi == u64::MAX { format!("{lo} or more") } else { format!("in {lo}..={hi}") };
    match value.as_u64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(n) => Err(format!("must be an integer {range}, got {n}")),
        None => Err(format!("must be an integer {range}, got {}", describe(value))),
    }
}

fn want_f64(value: &Value, lo: f64, hi: f64) -> Result<f64, String> {
    match value.as_f64() {
        Some(x) if x.is_finite() && x >= lo && x <= hi => Ok(x),
        Some(x) => Err(format!("must be a number in {lo}..={hi}, got {x}")),
        None => Err(format!("must be a number in {lo}..={hi}, got {}", describe(value))),
    }
}

fn want_bool(value: &Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| format!("must be true or false, got {}", describe(value)))
}

fn want_str(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("must be a string, got {}", describe(value)))
}

fn want_enum<T: Copy>(value: &Value, options: &[(&str, T)]) -> Result<T, String> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    match value {
        Value::String(s) => {
            options.iter().find(|(n, _)| n == s).map(|(_, t)| *t).ok_or_else(|| {
                format!("unknown value \"{s}\"{}; must be one of {}", suggest(s, &names), quoted(&names))
            })
        }
        other => Err(format!("must be one of {}, got {}", quoted(&names), describe(other))),
    }
}

/// A JSON value described for a reader: its type and, when short, the value itself.
fn describe(value: &Value) -> String {
    let shown =
        |s: String| if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s };
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", shown(n.to_string())),
        Value::String(s) => format!("the string {}", shown(format!("{s:?}"))),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

fn list_owned(names: &[String]) -> String {
    names.join(", ")
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// " (did you mean `x`?)" when one candidate is close to `word`, else "".
fn suggest(word: &str, candidates: &[&str]) -> String {
    if word.chars().count() > 64 {
        return String::new();
    }
    let best = candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min();
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
