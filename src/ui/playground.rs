//! The live playground's layout: the toolbar, the topology, the side panel (tour slot, checker,
//! tabs) and the lower panels around the run that [`use_run`] drives. It only lays out: what the
//! panels show comes from the run's snapshots, what they do goes through its [`Ctl`].

use std::rc::Rc;

use yew::prelude::*;

use super::checker::{CheckerPanel, Notices};
use super::controls::{FaultPanel, FirePanel};
use super::i18n::Lang;
use super::keys::use_keyboard;
use super::lanes::DeliveryView;
use super::logic::state::{Action as Ui, State, Tab};
use super::logic::status::Status;
use super::logic::text::{tr, trf};
use super::run::{use_run, Ctl, Run, RunProgress};
use super::settings::SettingsPanel;
use super::toolbar::{Help, Toolbar};
use super::topology::Topology;
use crate::sim::scenario::Scenario;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    #[prop_or_default]
    pub embed: bool,
    /// The scenario to start with (default: the built-in playground).
    #[prop_or_default]
    pub scenario: Option<Rc<Scenario>>,
    /// Stop at the scenario's own `until_ms` instead of running on (links: `?scenario=`, `#s=`).
    #[prop_or_default]
    pub bounded: bool,
    /// Room for the guided tour panel (issue "scenarios"), shown above the side panel.
    #[prop_or_default]
    pub tour: Html,
    /// Room for a share button, shown at the end of the toolbar.
    #[prop_or_default]
    pub share: Html,
}

/// The playground page body.
#[function_component(Playground)]
pub fn playground(props: &Props) -> Html {
    let run = use_run(props.scenario.clone(), props.bounded);
    use_keyboard(run.ctl.clone(), &run.ui);
    let narrow = use_narrow();
    let (l, ctl, s) = (props.lang, &run.ctl, &*run.ui);
    let ui = Rc::new(s.clone());
    let mid = &*run.mid;

    // The delivery view and the notices: under the picture, or in a frame at the end of the side
    // column (the frame's page never scrolls; its side column does).
    let lower = html! {
        <section class="pg-lower" aria-label={tr(l, "lower.label")}>
            <DeliveryView lang={l} ui={ui.clone()} snap={(*run.slow).clone()} ctl={ctl.clone()} />
            <Notices lang={l} snap={(*run.slow).clone()} />
        </section>
    };
    // The tour and share slots are rendered inside: they reach the run through this context.
    html! {
        <ContextProvider<Ctl> context={ctl.clone()}>
        <div class={classes!("playground", props.embed.then_some("embed"))} data-testid="playground"
            data-now-us={run.fast.now_us.to_string()} data-playing={s.playing.to_string()}>
            <Toolbar lang={l} ui={ui.clone()} motion={(*run.fast).clone()} seed={mid.view.seed}
                status={Status::of(&mid.view)} ctl={ctl.clone()}
                share={props.share.clone()} />
            <div class="pg-grid">
                <section class="topology" data-testid="topology" aria-label={tr(l, "topology.label")}>
                    <Topology lang={l} ui={ui.clone()} snap={mid.clone()} snap2={(*run.mid2).clone()}
                        moving={(*run.fast).clone()} ctl={ctl.clone()} narrow={narrow || props.embed} />
                </section>
                { side_panel(l, &run, &ui, props.tour.clone(), props.embed.then(|| lower.clone())) }
                if !props.embed { { lower } }
            </div>
            { toast(l, s, ctl) }
            <RunProgress lang={l} ctl={ctl.clone()} progress={*run.progress} />
            if s.help_open {
                <Help lang={l} ctl={ctl.clone()} />
            }
        </div>
        </ContextProvider<Ctl>>
    }
}

/// The side panel: the tour slot, the checker, and the fire / faults / settings tabs.
fn side_panel(l: Lang, run: &Run, ui: &Rc<State>, tour: Html, lower: Option<Html>) -> Html {
    let (ctl, slow) = (&run.ctl, &*run.slow);
    let tab_button = |(tab, key): (Tab, &'static str)| {
        let ctl = ctl.clone();
        html! {
            <button type="button" role="tab" aria-selected={(ui.tab == tab).to_string()}
                data-testid={format!("tab-{}", key.trim_start_matches("tab."))}
                onclick={Callback::from(move |_| ctl.dispatch(Ui::SetTab(tab)))}>{ tr(l, key) }</button>
        }
    };
    let body = match ui.tab {
        Tab::Fire => html! { <FirePanel lang={l} ui={ui.clone()} snap={slow.clone()} ctl={ctl.clone()} /> },
        Tab::Faults => html! { <FaultPanel lang={l} ui={ui.clone()} snap={slow.clone()} ctl={ctl.clone()} /> },
        Tab::Settings => html! { <SettingsPanel lang={l} snap={slow.clone()} ctl={ctl.clone()} /> },
    };
    html! {
        <aside class="pg-side" aria-label={tr(l, "side.label")}>
            { tour }
            <CheckerPanel lang={l} ui={ui.clone()} snap={slow.clone()} ctl={ctl.clone()} />
            <div class="tabs" role="tablist" aria-label={tr(l, "tabs.label")}>
                { for [(Tab::Fire, "tab.fire"), (Tab::Faults, "tab.faults"), (Tab::Settings, "tab.settings")].into_iter().map(tab_button) }
            </div>
            <div class="tab-body" role="tabpanel">{ body }</div>
            { lower.unwrap_or_default() }
        </aside>
    }
}

/// The message after a command (an error or what happened), with its close button.
fn toast(l: Lang, s: &State, ctl: &Ctl) -> Html {
    let Some((key, detail)) = &s.toast else { return Html::default() };
    let close = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.dispatch(Ui::Toast(None)))
    };
    html! {
        <div class="toast" role="status" data-testid="toast">
            { trf(l, key, &[("x", detail)]) }
            <button type="button" aria-label={tr(l, "close")} onclick={close}>{ "×" }</button>
        </div>
    }
}

/// Below this page width the topology switches to its narrow (phone) layout, px.
const NARROW_PX: f64 = 640.0;

fn is_narrow() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).is_some_and(|w| w < NARROW_PX)
}

/// Whether the page is narrow, following window resizes.
#[hook]
fn use_narrow() -> bool {
    let narrow = use_state_eq(is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                narrow.set(is_narrow());
            });
            move || drop(listener)
        });
    }
    *narrow
}
