//! Text helpers for the playground panels: look-up with `{name}` placeholders, and the names of
//! the six delivery events. Every string lives in the one table of `i18n.rs`.

use crate::sim::domain::Kind;
use crate::ui::i18n::{t, Lang, TABLE};

/// The text for a static key.
pub fn tr(l: Lang, key: &'static str) -> &'static str {
    t(l, key)
}

/// The text for a key built at run time (`doc.acks`, `an.lost`); `fallback` if it is missing.
pub fn tr_dyn(l: Lang, key: &str, fallback: &'static str) -> &'static str {
    match TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, ko, en)) => match l {
            Lang::Ko => ko,
            Lang::En => en,
        },
        None => fallback,
    }
}

/// The text for `key` with each `{name}` replaced by its value.
pub fn trf(l: Lang, key: &'static str, args: &[(&str, &str)]) -> String {
    let mut s = t(l, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A one-letter code for each event, drawn on log cells and chips (with the shape and colour).
pub fn kind_code(k: Kind) -> &'static str {
    match k {
        Kind::Created => "C",
        Kind::RiderAssigned => "A",
        Kind::PickupReadyRequested => "R",
        Kind::PickedUp => "P",
        Kind::Delivered => "D",
        Kind::Cancelled => "X",
    }
}

/// CSS class of a kind's colour (`kx`: a message of no delivery kind).
pub fn kind_class(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Created) => "k0",
        Some(Kind::RiderAssigned) => "k1",
        Some(Kind::PickupReadyRequested) => "k2",
        Some(Kind::PickedUp) => "k3",
        Some(Kind::Delivered) => "k4",
        Some(Kind::Cancelled) => "k5",
        None => "kx",
    }
}

/// The event's full name.
pub fn kind_name(l: Lang, k: Kind) -> &'static str {
    match k {
        Kind::Created => t(l, "kind.created"),
        Kind::RiderAssigned => t(l, "kind.rider_assigned"),
        Kind::PickupReadyRequested => t(l, "kind.pickup_ready_requested"),
        Kind::PickedUp => t(l, "kind.picked_up"),
        Kind::Delivered => t(l, "kind.delivered"),
        Kind::Cancelled => t(l, "kind.cancelled"),
    }
}

/// A short name for table cells.
pub fn kind_short(l: Lang, k: Kind) -> &'static str {
    match k {
        Kind::Created => t(l, "kshort.created"),
        Kind::RiderAssigned => t(l, "kshort.rider_assigned"),
        Kind::PickupReadyRequested => t(l, "kshort.pickup_ready_requested"),
        Kind::PickedUp => t(l, "kshort.picked_up"),
        Kind::Delivered => t(l, "kshort.delivered"),
        Kind::Cancelled => t(l, "kshort.cancelled"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placeholders are replaced by name; a key built at run time falls back when missing.
    #[test]
    fn placeholders_and_fallbacks() {
        let s = trf(Lang::En, "fire.new", &[("x", "D7")]);
        assert!(s.contains("D7") && !s.contains("{x}"), "{s}");
        assert_eq!(tr_dyn(Lang::En, "no.such.key", "fb"), "fb");
        assert_eq!(tr_dyn(Lang::Ko, "kind.created", "fb"), kind_name(Lang::Ko, Kind::Created));
    }

    /// Every event has its own one-letter code (the log cells and chips tell them apart by it).
    #[test]
    fn kind_codes_are_distinct() {
        let codes: std::collections::BTreeSet<_> = Kind::ALL.iter().map(|k| kind_code(*k)).collect();
        assert_eq!(codes.len(), Kind::ALL.len());
    }
}
