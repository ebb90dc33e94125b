//! The playground's UI state (not the simulation's): a pure `State` and an `Action` enum with a
//! reducer, as in Yew's `function_todomvc`. The `Sim` itself lives apart, in a `RefCell`, and is
//! never diffed by Yew. No Yew here: the page wraps [`State::reduce`] in `impl Reducible`
//! (`ui/run.rs`), so the reducer is tested natively.

use crate::sim::history::{DeliveryId, EventId, NodeId};

/// Lowest and highest speed, as factors of real time (1× = one virtual ms per wall ms).
pub const SPEED_MIN: f64 = 0.01;
pub const SPEED_MAX: f64 = 100.0;
/// The speed slider's resolution: 0..=SPEED_STEPS maps logarithmically onto SPEED_MIN..=SPEED_MAX.
pub const SPEED_STEPS: u32 = 400;
/// Default: 0.02×, so a 5 ms network hop takes a quarter of a second on screen.
pub const SPEED_DEFAULT_POS: u32 = 30;
/// One keyboard press moves the slider this far (a factor of 10^(4·25/400) ≈ 1.78).
pub const SPEED_KEY_STEP: u32 = 25;

/// The speed factor of a slider position (logarithmic).
pub fn speed_of(pos: u32) -> f64 {
    let f = pos.min(SPEED_STEPS) as f64 / SPEED_STEPS as f64;
    SPEED_MIN * (SPEED_MAX / SPEED_MIN).powf(f)
}

/// A speed factor as the page prints it: "0.02×", "1×", "35×".
pub fn speed_label(speed: f64) -> String {
    if speed >= 10.0 {
        format!("{speed:.0}×")
    } else if speed >= 1.0 {
        format!("{speed:.1}×")
    } else if speed >= 0.1 {
        format!("{speed:.2}×")
    } else {
        format!("{speed:.3}×")
    }
}

/// The speed of a slider position as the page prints it.
pub fn speed_text(pos: u32) -> String {
    speed_label(speed_of(pos))
}

/// Which tab of the side panel is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Fire,
    Faults,
    Settings,
}

/// What the reader clicked in the topology (opens a small menu of actions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    Node(NodeId),
    Link(NodeId, NodeId),
}

/// What the checker panel asked to highlight: a delivery and some of its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    /// The anomaly's key (`out_of_order`, …), to mark its row as chosen.
    pub anomaly: &'static str,
    pub delivery: DeliveryId,
    pub events: Vec<EventId>,
}

/// The UI state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub playing: bool,
    /// Speed slider position, 0..=SPEED_STEPS.
    pub speed_pos: u32,
    pub tab: Tab,
    pub help_open: bool,
    pub pick: Option<Pick>,
    /// Show control traffic (heartbeats, empty fetches) as faint dots.
    pub show_control: bool,
    /// The delivery the delivery view shows (and the fire panel acts on).
    pub delivery: Option<DeliveryId>,
    pub highlight: Option<Highlight>,
    /// Page-driven traffic: on/off and its rate (deliveries per virtual second).
    pub traffic_on: bool,
    pub traffic_rate: u32,
    /// A message for the reader after a command (an error or what happened), as i18n key + detail.
    pub toast: Option<(&'static str, String)>,
    /// The nodes the tour step talks about (names); the topology draws only them, readable,
    /// unless the reader asked for the whole picture. Empty: no tour step, the whole topology.
    pub focus: Vec<String>,
    /// Show every node although a tour step names a few.
    pub show_all: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            playing: true,
            speed_pos: SPEED_DEFAULT_POS,
            tab: Tab::Fire,
            help_open: false,
            pick: None,
            show_control: false,
            delivery: None,
            highlight: None,
            traffic_on: false,
            traffic_rate: 20,
            toast: None,
            focus: Vec::new(),
            show_all: false,
        }
    }
}

impl State {
    pub fn speed(&self) -> f64 {
        speed_of(self.speed_pos)
    }

    /// The names the topology is narrowed to: the step's focus, unless the reader asked for all.
    pub fn narrowed_to(&self) -> Option<&[String]> {
        (!self.show_all && !self.focus.is_empty()).then_some(self.focus.as_slice())
    }
}

/// Everything the UI state can do.
#[derive(Clone, Debug)]
pub enum Action {
    TogglePlay,
    SetPlaying(bool),
    SetSpeedPos(u32),
    Faster,
    Slower,
    SetTab(Tab),
    ToggleHelp,
    /// Escape: close the help overlay and any open menu.
    CloseOverlays,
    Pick(Option<Pick>),
    ToggleControl,
    ChooseDelivery(Option<DeliveryId>),
    SetHighlight(Option<Highlight>),
    SetTraffic(bool),
    SetTrafficRate(u32),
    Toast(Option<(&'static str, String)>),
    /// The nodes a tour step names (empty: none).
    SetFocus(Vec<String>),
    /// The whole topology or only the step's nodes.
    ToggleShowAll,
    /// A new run (reset or a new seed): selections that named old ids are cleared.
    NewRun,
}

impl State {
    /// The state after `action` (the reducer).
    pub fn reduce(&self, action: Action) -> State {
        let mut s = self.clone();
        match action {
            Action::TogglePlay => s.playing = !s.playing,
            Action::SetPlaying(p) => s.playing = p,
            Action::SetSpeedPos(p) => s.speed_pos = p.min(SPEED_STEPS),
            Action::Faster => s.speed_pos = (s.speed_pos + SPEED_KEY_STEP).min(SPEED_STEPS),
            Action::Slower => s.speed_pos = s.speed_pos.saturating_sub(SPEED_KEY_STEP),
            Action::SetTab(t) => s.tab = t,
            Action::ToggleHelp => s.help_open = !s.help_open,
            Action::CloseOverlays => {
                s.help_open = false;
                s.pick = None;
            }
            Action::Pick(p) => s.pick = p,
            Action::ToggleControl => s.show_control = !s.show_control,
            Action::ChooseDelivery(d) => {
                s.delivery = d;
                if s.highlight.as_ref().is_some_and(|h| Some(h.delivery) != d) {
                    s.highlight = None;
                }
            }
            Action::SetHighlight(h) => {
                if let Some(h) = &h {
                    s.delivery = Some(h.delivery);
                }
                s.highlight = h;
            }
            Action::SetTraffic(on) => s.traffic_on = on,
            Action::SetTrafficRate(r) => s.traffic_rate = r.clamp(1, 2000),
            Action::Toast(t) => s.toast = t,
            Action::SetFocus(f) => s.focus = f,
            Action::ToggleShowAll => s.show_all = !s.show_all,
            Action::NewRun => {
                s.pick = None;
                s.delivery = None;
                s.highlight = None;
                s.toast = None;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slider's ends are the advertised range (0.01×–100×, logarithmic) and the default is
    /// 0.02×.
    #[test]
    fn speed_scale_is_logarithmic() {
        assert!((speed_of(0) - 0.01).abs() < 1e-9);
        assert!((speed_of(SPEED_STEPS) - 100.0).abs() < 1e-6);
        assert!((speed_of(SPEED_STEPS / 2) - 1.0).abs() < 1e-9);
        assert!((speed_of(SPEED_DEFAULT_POS) - 0.02).abs() < 0.001);
        assert_eq!(speed_label(100.0), "100×");
        assert_eq!(speed_label(0.02), "0.020×");
        assert_eq!(speed_label(1.0), "1.0×");
        assert_eq!(speed_label(0.5), "0.50×");
    }

    /// A new run clears selections that named ids of the old run.
    #[test]
    fn new_run_clears_picks() {
        let s =
            State { delivery: Some(3), pick: Some(Pick::Node(1)), toast: Some(("k", "x".into())), ..State::default() };
        let s = s.reduce(Action::NewRun);
        assert_eq!(s.delivery, None);
        assert_eq!(s.pick, None);
        assert_eq!(s.toast, None);
    }

    /// Faster and Slower move the slider by one key step and stop at its ends.
    #[test]
    fn speed_keys_step_and_clamp() {
        let s = State::default().reduce(Action::Faster);
        assert_eq!(s.speed_pos, SPEED_DEFAULT_POS + SPEED_KEY_STEP);
        let s = State { speed_pos: SPEED_STEPS - 1, ..State::default() }.reduce(Action::Faster);
        assert_eq!(s.speed_pos, SPEED_STEPS);
        let s = State { speed_pos: 3, ..State::default() }.reduce(Action::Slower);
        assert_eq!(s.speed_pos, 0);
        assert_eq!(State::default().reduce(Action::SetSpeedPos(9999)).speed_pos, SPEED_STEPS);
    }

    /// Choosing another delivery drops a highlight of a different one; highlighting chooses its
    /// delivery.
    #[test]
    fn highlight_follows_the_chosen_delivery() {
        let h = Highlight { anomaly: "lost", delivery: 2, events: vec![1] };
        let s = State::default().reduce(Action::SetHighlight(Some(h.clone())));
        assert_eq!(s.delivery, Some(2));
        assert_eq!(s.reduce(Action::ChooseDelivery(Some(2))).highlight, Some(h));
        assert_eq!(s.reduce(Action::ChooseDelivery(Some(5))).highlight, None);
    }

    /// Traffic rates are kept within 1..=2000 deliveries a second; toggles toggle.
    #[test]
    fn traffic_rate_is_clamped_and_toggles_flip() {
        assert_eq!(State::default().reduce(Action::SetTrafficRate(0)).traffic_rate, 1);
        assert_eq!(State::default().reduce(Action::SetTrafficRate(5000)).traffic_rate, 2000);
        let s = State::default();
        assert_eq!(s.reduce(Action::TogglePlay).playing, !s.playing);
        let help = s.reduce(Action::ToggleHelp).reduce(Action::Pick(Some(Pick::Link(1, 2))));
        assert!(help.help_open);
        let closed = help.reduce(Action::CloseOverlays);
        assert!(!closed.help_open && closed.pick.is_none());
    }
}
