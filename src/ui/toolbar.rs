//! The transport bar (play/pause, step, speed, seed, reset, clock) and the keyboard help overlay.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::state::speed_text;
use super::logic::state::{Action as Ui, State, SPEED_STEPS};
use super::logic::status::Status;
use super::logic::text::{tr, trf};
use super::logic::controls::step_summary;
use super::run::{random_seed, Ctl, Motion};

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub lang: Lang,
    pub ui: Rc<State>,
    pub motion: Motion,
    pub seed: u64,
    /// The run's state (converged, catching up, diverged), always in sight.
    pub status: Status,
    pub ctl: Ctl,
    #[prop_or_default]
    pub share: Html,
}

/// Virtual time as the page prints it: "12.345 s".
pub fn fmt_time_us(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1000) % 1000)
}

/// The badge's words for a status.
fn status_text(l: Lang, s: Status) -> String {
    match s {
        Status::Converged => tr(l, "check.converged").to_string(),
        Status::CatchingUp { rows } => trf(l, "tb.catching_up", &[("n", &rows.to_string())]),
        Status::Diverged { rows } => trf(l, "tb.diverged", &[("n", &rows.to_string())]),
    }
}

/// Step, then say what ran (the history lines the step added, by node and op) in the toast.
pub fn step_and_say(ctl: &Ctl) {
    let before = ctl.engine().sim.history().len();
    ctl.step();
    let (t, what) = {
        let e = ctl.engine();
        let h = e.sim.history();
        // A capped history drops its oldest half: then the step's lines are the newest ones.
        let new = if h.len() >= before { &h[before..] } else { &h[h.len().saturating_sub(64)..] };
        (fmt_time_us(e.sim.now()), step_summary(new, &e.sim.names().nodes, 5))
    };
    let (key, detail) = if what.is_empty() { ("toast.step_quiet", t) } else { ("toast.step", format!("{t}: {what}")) };
    ctl.dispatch(Ui::Toast(Some((key, detail))));
}

#[function_component(Toolbar)]
pub fn toolbar(p: &ToolbarProps) -> Html {
    let l = p.lang;
    let ui = &p.ui;
    let v = &p.motion;
    let ctl = &p.ctl;
    let play = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::TogglePlay))
    };
    let step = {
        let ctl = ctl.clone();
        Callback::from(move |_| step_and_say(&ctl))
    };
    let on_speed = {
        let ctl = ctl.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                if let Ok(v) = i.value().parse::<u32>() {
                    ctl.dispatch(Ui::SetSpeedPos(v));
                }
            }
        })
    };
    let on_seed = {
        let ctl = ctl.clone();
        Callback::from(move |text: String| match text.trim().parse::<u64>() {
            Ok(seed) => ctl.reset(Some(seed)),
            Err(_) => ctl.dispatch(Ui::Toast(Some(("toast.bad_seed", text)))),
        })
    };
    let new_seed = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.reset(Some(random_seed())))
    };
    let reset = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.reset(None))
    };
    let help = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::ToggleHelp))
    };
    let speed = speed_text(ui.speed_pos);
    let data_in_flight = v.messages.iter().filter(|m| m.data).count();
    html! {
        <div class="toolbar" role="toolbar" aria-label={tr(l, "toolbar.label")} data-testid="toolbar">
            <div class="tb-group">
                <button type="button" class="primary" data-testid="play" onclick={play}
                    aria-pressed={ui.playing.to_string()} title={tr(l, "key.play")}
                    aria-keyshortcuts="Space">
                    { if ui.playing { tr(l, "tb.pause") } else { tr(l, "tb.play") } }
                </button>
                <button type="button" data-testid="step" onclick={step} title={tr(l, "key.step")}
                    aria-keyshortcuts=".">{ tr(l, "tb.step") }</button>
            </div>
            <label class="tb-group speed" title={tr(l, "speed.explain")}>
                <span>{ tr(l, "tb.speed") }</span>
                <input type="range" min="0" max={SPEED_STEPS.to_string()} step="1" data-testid="speed"
                    value={ui.speed_pos.to_string()} oninput={on_speed} aria-valuetext={speed.clone()} />
                <output data-testid="speed-value">{ speed }</output>
                <span class="speed-note">{ tr(l, "speed.short") }</span>
            </label>
            <label class="tb-group seed">
                <span>{ tr(l, "tb.seed") }</span>
                <super::draft::DraftInput testid="seed" min="0" title={tr(l, "tb.seed_hint")}
                    value={p.seed.to_string()} on_commit={on_seed} />
                <button type="button" onclick={new_seed} title={tr(l, "key.seed")}
                    aria-keyshortcuts="g">{ tr(l, "tb.new_seed") }</button>
            </label>
            <button type="button" data-testid="reset" onclick={reset} title={tr(l, "key.reset")}
                aria-keyshortcuts="r">{ tr(l, "tb.reset") }</button>
            <div class="tb-clock" aria-live="off">
                <span class="clock" data-testid="clock">{ fmt_time_us(v.now_us) }</span>
                <span class="muted" data-testid="in-flight">{ trf(l, "tb.in_flight", &[("n", &data_in_flight.to_string()), ("m", &(v.messages.len() - data_in_flight).to_string())]) }</span>
            </div>
            <span class={classes!("tb-conv", p.status.class())} role="status" data-testid="toolbar-converged"
                data-status={p.status.class()}>{ status_text(l, p.status) }</span>
            { p.share.clone() }
            <button type="button" class="help-btn" data-testid="help" onclick={help}
                aria-keyshortcuts="?" aria-label={tr(l, "help.title")}>{ "?" }</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub lang: Lang,
    pub ctl: Ctl,
}

/// Every keyboard shortcut: (key as shown, i18n key of what it does).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "key.play"),
    (".", "key.step"),
    ("+ / −", "key.speed"),
    ("r", "key.reset"),
    ("g", "key.seed"),
    ("f", "key.fire"),
    ("a", "key.race"),
    ("t", "key.traffic"),
    ("b", "key.burst"),
    ("h", "key.heal"),
    ("c", "key.control"),
    ("?", "key.help"),
    ("Esc", "key.close"),
];

#[function_component(Help)]
pub fn help(p: &HelpProps) -> Html {
    let l = p.lang;
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let close = {
        let ctl = p.ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::ToggleHelp))
    };
    html! {
        <div class="overlay" data-testid="help-overlay">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <h2 id="help-title">{ tr(l, "help.title") }</h2>
                <table class="keys">
                    <tbody>
                    { for SHORTCUTS.iter().map(|(k, what)| html! {
                        <tr><th scope="row"><kbd>{ *k }</kbd></th><td>{ tr(l, what) }</td></tr>
                    }) }
                    </tbody>
                </table>
                <p class="muted">{ tr(l, "help.mouse") }</p>
                <p class="muted">{ tr(l, "speed.explain") }</p>
                <button type="button" ref={close_ref} onclick={close} data-testid="help-close">{ tr(l, "close") }</button>
            </div>
        </div>
    }
}
