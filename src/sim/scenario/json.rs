//! JSON helpers of the validator: strict parsing (no duplicate keys), an object with its path,
//! typed readers whose errors say what was expected, and "did you mean" suggestions.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::{Map, Number, Value};

use super::{Res, ScenarioError, Title, DELIVERY_LEN_MAX};
use crate::sim::domain::Kind;
use crate::sim::text::{echo, echo_within};

/// Parses JSON into a Value, refusing duplicate keys (serde_json would keep the last one
/// silently). Errors carry the path (from serde_path_to_error) and the line and column.
pub(super) fn parse_json_strict(json: &str) -> Res<Value> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(json);
    let mut track = serde_path_to_error::Track::new();
    let value = StrictValue(&duplicate)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|inner| {
            if !inner.is_data() {
                // A syntax error: the path of a half-read value says little, line and column all.
                return ScenarioError::new("$", format!("malformed JSON: {}", echo_within(&inner.to_string(), 160)));
            }
            let path = echoed_path(&track.path());
            let field = match (path.as_str(), duplicate.borrow_mut().take()) {
                (".", Some(key)) => echo(&key),
                (_, Some(key)) => format!("{path}.{}", echo(&key)),
                (".", None) => "$".to_string(),
                (_, None) => path,
            };
            ScenarioError::new(field, echo_within(&inner.to_string(), 160))
        })?;
    de.end().map_err(|e| ScenarioError::new("$", format!("malformed JSON: {}", echo_within(&e.to_string(), 160))))?;
    Ok(value)
}

/// serde_path_to_error's path (`.`, `commands[2].node`) with each key echoed (a key is the
/// reader's text: a duplicate can sit inside an unknown key).
fn echoed_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => out.push_str(&format!("{}{}", if out.is_empty() { "" } else { "." }, echo(key))),
            Segment::Enum { variant } => out.push_str(&format!(".{}", echo(variant))),
            Segment::Unknown => out.push_str(if out.is_empty() { "?" } else { ".?" }),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out
    }
}

/// A `serde_json::Value` seed that refuses duplicate object keys, leaving the key in its cell
/// (the tracked path stops at the object that holds it).
#[derive(Clone, Copy)]
pub(super) struct StrictValue<'a>(&'a RefCell<Option<String>>);

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
                return Err(de::Error::custom(format!("duplicate key `{}` (give each key once)", echo(&key))));
            }
            let v = map.next_value_seed(self)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A JSON object being validated, with its path for error messages.
pub(super) struct Obj<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) path: String,
}

impl<'a> Obj<'a> {
    pub(super) fn new(value: &'a Value, path: &str) -> Res<Obj<'a>> {
        match value {
            Value::Object(map) => Ok(Obj { map, path: path.to_string() }),
            other => Err(ScenarioError::new(
                if path.is_empty() { "$" } else { path },
                format!("must be an object, got {}", describe(other)),
            )),
        }
    }

    /// The path of `key` in this object; the key is echoed, as it may be the reader's (unknown).
    pub(super) fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            echo(key)
        } else {
            format!("{}.{}", self.path, echo(key))
        }
    }

    pub(super) fn err(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.field(key), message)
    }

    pub(super) fn check_keys(&self, allowed: &[&str]) -> Res<()> {
        // A Map iterates in key order, so the first unknown key reported is fixed.
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(self.err(k, format!("unknown key{}; allowed here: {}", suggest(k, allowed), list(allowed)))),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub(super) fn req(&self, key: &str) -> Res<&'a Value> {
        self.get(key).ok_or_else(|| self.err(key, "missing required field"))
    }

    pub(super) fn opt<T>(&self, key: &str, f: impl FnOnce(&Value) -> Result<T, String>) -> Res<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => f(v).map(Some).map_err(|m| self.err(key, m)),
        }
    }

    pub(super) fn u64_req(&self, key: &str, lo: u64, hi: u64) -> Res<u64> {
        want_u64(self.req(key)?, lo, hi).map_err(|m| self.err(key, m))
    }

    pub(super) fn str_req(&self, key: &str) -> Res<String> {
        want_str(self.req(key)?).map(str::to_string).map_err(|m| self.err(key, m))
    }

    pub(super) fn delivery(&self, key: &str) -> Res<String> {
        parse_name(self.req(key)?, &self.field(key), DELIVERY_LEN_MAX, "A-Za-z0-9_-", |c| {
            c.is_ascii_alphanumeric() || c == '_' || c == '-'
        })
    }

    pub(super) fn kind(&self, key: &str) -> Res<Kind> {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let v = self.req(key)?;
        let s = want_str(v).map_err(|m| self.err(key, m))?;
        Kind::parse(s).ok_or_else(|| {
            self.err(key, format!("unknown event `{}`{}; events are {}", echo(s), suggest(s, &names), list(&names)))
        })
    }

    pub(super) fn groups(&self, key: &str) -> Res<Vec<Vec<String>>> {
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

pub(super) fn parse_title(value: &Value, path: &str, max: usize) -> Res<Title> {
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
pub(super) fn parse_name(
    value: &Value,
    field: &str,
    max: usize,
    charset: &str,
    ok: impl Fn(char) -> bool,
) -> Res<String> {
    let s = want_str(value).map_err(|m| ScenarioError::new(field, m))?;
    let len = s.chars().count();
    if len == 0 || len > max {
        return Err(ScenarioError::new(field, format!("must be 1..={max} characters, got {len}")));
    }
    if let Some(c) = s.chars().find(|&c| !ok(c)) {
        let allowed = if charset == "any" { "printable characters".to_string() } else { format!("only [{charset}]") };
        return Err(ScenarioError::new(
            field,
            format!("character '{}' is not allowed ({allowed})", echo(&c.to_string())),
        ));
    }
    Ok(s.to_string())
}

pub(super) fn want_u64(value: &Value, lo: u64, hi: u64) -> Result<u64, String> {
    let range = if hi == u64::MAX { format!("{lo} or more") } else { format!("in {lo}..={hi}") };
    match value.as_u64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(n) => Err(format!("must be an integer {range}, got {n}")),
        None => Err(format!("must be an integer {range}, got {}", describe(value))),
    }
}

pub(super) fn want_f64(value: &Value, lo: f64, hi: f64) -> Result<f64, String> {
    match value.as_f64() {
        Some(x) if x.is_finite() && x >= lo && x <= hi => Ok(x),
        Some(x) => Err(format!("must be a number in {lo}..={hi}, got {}", echo(&x.to_string()))),
        None => Err(format!("must be a number in {lo}..={hi}, got {}", describe(value))),
    }
}

pub(super) fn want_bool(value: &Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| format!("must be true or false, got {}", describe(value)))
}

pub(super) fn want_str(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("must be a string, got {}", describe(value)))
}

/// One of `names`, with a "did you mean" for a near miss.
pub(super) fn want_choice<'n>(value: &Value, names: &[&'n str]) -> Result<&'n str, String> {
    match value {
        Value::String(s) => names.iter().copied().find(|n| n == s).ok_or_else(|| {
            format!("unknown value \"{}\"{}; must be one of {}", echo(s), suggest(s, names), quoted(names))
        }),
        other => Err(format!("must be one of {}, got {}", quoted(names), describe(other))),
    }
}

/// The value of `options` named by `value` (see [`want_choice`]).
pub(super) fn want_enum<T: Copy>(value: &Value, options: &[(&str, T)]) -> Result<T, String> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let name = want_choice(value, &names)?;
    Ok(options.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).expect("a name of the options"))
}

/// A JSON value described for a reader: its type and, when short, the value itself.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", echo(&n.to_string())),
        Value::String(s) => format!("the string \"{}\"", echo(s)),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

pub(super) fn list(names: &[&str]) -> String {
    names.join(", ")
}

pub(super) fn list_owned(names: &[String]) -> String {
    names.join(", ")
}

pub(super) fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// " (did you mean `x`?)" when one candidate is close to `word`, else "".
pub(super) fn suggest(word: &str, candidates: &[&str]) -> String {
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

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
