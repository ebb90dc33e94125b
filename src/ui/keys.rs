//! Keyboard shortcuts on the whole document (listed in the help overlay).

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::logic::state::{Action as Ui, State};
use super::run::{random_seed, Ctl};

/// Listens for the shortcuts. The listener is rebuilt when the state it reads (the chosen
/// delivery, whether traffic is on) changes, so it never reads a stale copy.
#[hook]
pub fn use_keyboard(ctl: Ctl, ui: &State) {
    use_effect_with((ui.delivery, ui.traffic_on), move |&(delivery, traffic_on)| {
        let doc = gloo::utils::document();
        let options = gloo::events::EventListenerOptions::enable_prevent_default();
        let listener = gloo::events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let key = e.key();
            if key == "Escape" {
                ctl.dispatch(Ui::CloseOverlays);
                return;
            }
            if !target_takes(e, &key) && handle_key(&ctl, &key, delivery, traffic_on) {
                e.prevent_default();
            }
        });
        move || drop(listener)
    });
}

/// Whether the key belongs to the element it was typed in: any key in a field, Space and Enter
/// on a button.
fn target_takes(e: &web_sys::KeyboardEvent, key: &str) -> bool {
    let (tag, role) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| (el.tag_name(), el.get_attribute("role")))
        .unwrap_or_default();
    let editing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
    let on_button = tag == "BUTTON" || role.as_deref() == Some("button");
    editing || (on_button && (key == " " || key == "Enter"))
}

/// Runs the shortcut for `key`; false if it is not one.
fn handle_key(ctl: &Ctl, key: &str, delivery: Option<crate::sim::history::DeliveryId>, traffic_on: bool) -> bool {
    match key {
        " " | "k" => ctl.dispatch(Ui::TogglePlay),
        "." | "n" => super::toolbar::step_and_say(ctl),
        "+" | "=" => ctl.dispatch(Ui::Faster),
        "-" | "_" => ctl.dispatch(Ui::Slower),
        "r" => ctl.reset(None),
        "g" => ctl.reset(Some(random_seed())),
        "f" => ctl.fire_next(delivery),
        "a" => ctl.race(None),
        "t" => super::controls::toggle_traffic(ctl, traffic_on),
        "b" => ctl.burst(),
        "h" => ctl.heal_all(),
        "c" => ctl.dispatch(Ui::ToggleControl),
        "?" => ctl.dispatch(Ui::ToggleHelp),
        _ => return false,
    }
    true
}
