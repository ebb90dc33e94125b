//! The serde types of the scenario contract: the scenario, its lesson parts, and its error.

use std::collections::BTreeMap;
use std::fmt;

use serde::de;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::json::parse_title;
use super::{apply_set, parse_scenario, parse_scenario_value, to_json, TITLE_LEN_MAX};
use crate::sim::command::{Action, Command};
use crate::sim::config::Config;

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
    pub(super) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for ScenarioError {}

pub(super) type Res<T> = Result<T, ScenarioError>;

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
