//! The lesson picker's rules: the built-in lessons in the order the posts teach them, grouped,
//! each opened by its `?scenario=<id>` link, with the previous and next lesson.
//!
//! Names and hooks are text (`lessons.group.<key>`, `lesson.<id>.hook` in `i18n.rs`); this
//! module only orders them and builds links, so it is tested natively.

use crate::sim::builtin;
use crate::sim::scenario::TourStep;

/// The groups, in teaching order: (group key, lesson ids in order). Every built-in but the free
/// playground appears exactly once (a test checks against [`builtin::SOURCES`]).
pub const GROUPS: &[(&str, &[&str])] = &[
    ("ordering", &["same-key-same-order", "event-bus"]),
    ("outbox", &["outbox-vs-dual-write", "one-relay-bottleneck"]),
    ("duplicates", &["retries-make-duplicates"]),
    ("reads", &["where-you-read", "cap-partition"]),
    ("durability", &["what-acks-buys", "world-cup-peak", "replay-rebuilds"]),
];

/// The nodes tour step `i` is about: its own `focus`, or (a closing step names none) the
/// nearest earlier step's, so the picture does not jump to the whole topology at the end.
pub fn step_focus(tour: &[TourStep], i: usize) -> Vec<String> {
    tour.iter().take(i + 1).rev().find(|s| !s.focus.is_empty()).map(|s| s.focus.clone()).unwrap_or_default()
}

/// Every lesson id in teaching order (the groups, flattened).
pub fn order() -> impl Iterator<Item = &'static str> {
    GROUPS.iter().flat_map(|(_, ids)| ids.iter().copied())
}

/// How many lessons there are.
pub fn count() -> usize {
    order().count()
}

/// Where lesson `id` stands in the order, from 0; None for free play or a shared scenario.
pub fn position(id: &str) -> Option<usize> {
    order().position(|x| x == id)
}

/// The lessons before and after `id` (None at either end, or when `id` is no lesson).
pub fn neighbours(id: &str) -> (Option<&'static str>, Option<&'static str>) {
    let Some(i) = position(id) else { return (None, None) };
    let prev = i.checked_sub(1).and_then(|p| order().nth(p));
    (prev, order().nth(i + 1))
}

/// The link that opens lesson `id` (None: free play), keeping the page's language and embed
/// mode. Relative, so it works under any path the page is hosted at.
pub fn href(id: Option<&str>, lang: &str, embed: bool) -> String {
    let mut q = Vec::new();
    if let Some(id) = id {
        q.push(format!("scenario={id}"));
    }
    q.push(format!("lang={lang}"));
    if embed {
        q.push("embed=1".to_string());
    }
    format!("?{}", q.join("&"))
}

/// The i18n key of lesson `id`'s one-line hook.
pub fn hook_key(id: &str) -> String {
    format!("lesson.{id}.hook")
}

/// The i18n key of group `key`'s heading.
pub fn group_key(key: &str) -> String {
    format!("lessons.group.{key}")
}

/// Whether a built-in id is a lesson (every built-in but the free playground).
pub fn is_lesson(id: &str) -> bool {
    id != builtin::DEFAULT_ID && position(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::{find, Lang, TABLE};

    /// The picker lists every built-in lesson once, and nothing else.
    #[test]
    fn every_built_in_lesson_once() {
        let mut listed: Vec<&str> = order().collect();
        let mut built: Vec<&str> =
            builtin::SOURCES.iter().map(|(id, _)| *id).filter(|id| *id != builtin::DEFAULT_ID).collect();
        listed.sort_unstable();
        built.sort_unstable();
        assert_eq!(listed, built);
        assert_eq!(count(), 10);
        assert!(!is_lesson(builtin::DEFAULT_ID));
    }

    /// Every hook and group heading has text in both languages.
    #[test]
    fn hooks_and_groups_in_both_languages() {
        let keys = order().map(hook_key).chain(GROUPS.iter().map(|(g, _)| group_key(g)));
        for key in keys {
            for l in Lang::ALL {
                let text = find(TABLE, l, &key).unwrap_or_else(|| panic!("{key} missing in {l:?}"));
                assert!(!text.trim().is_empty() && text.chars().count() <= 80, "{key} ({l:?}): one short line");
            }
        }
    }

    /// Previous and next follow the teaching order and stop at the ends.
    #[test]
    fn neighbours_follow_the_order() {
        assert_eq!(neighbours("same-key-same-order"), (None, Some("event-bus")));
        assert_eq!(neighbours("event-bus"), (Some("same-key-same-order"), Some("outbox-vs-dual-write")));
        assert_eq!(neighbours("replay-rebuilds"), (Some("world-cup-peak"), None));
        assert_eq!(neighbours("playground"), (None, None));
        assert_eq!(position("where-you-read"), Some(5));
    }

    /// Links keep the language and the embed frame; free play drops the scenario.
    #[test]
    fn links_keep_language_and_embed() {
        assert_eq!(href(Some("event-bus"), "ko", true), "?scenario=event-bus&lang=ko&embed=1");
        assert_eq!(href(None, "en", false), "?lang=en");
    }
}
