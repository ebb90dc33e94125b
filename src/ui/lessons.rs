//! The lesson picker in the page header, on the full page and in the embed: a "Lessons ▾" button
//! opening a menu of the built-in lessons, grouped as the posts teach them, each a one-line hook
//! linking to `?scenario=<id>`; on a lesson, the previous and next lesson beside it and "back to
//! free play" at the top of the menu. The menu floats over the page (no layout shift) and stays
//! inside the frame; Escape or leaving it with Tab closes it.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::i18n::Lang;
use super::logic::lessons::{self, GROUPS};
use super::logic::text::{tr, tr_dyn, trf};

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    pub lang: Lang,
    pub embed: bool,
    /// The lesson this page shows; None in free play or on a shared scenario.
    pub current: Option<String>,
}

/// The header's lesson navigation: previous, the picker, next.
#[function_component(LessonPicker)]
pub fn lesson_picker(p: &PickerProps) -> Html {
    let (l, embed) = (p.lang, p.embed);
    let open = use_state_eq(|| false);
    let button_ref = use_node_ref();
    let nav_ref = use_node_ref();
    let current = p.current.as_deref();
    let href = |id: Option<&str>| lessons::href(id, l.code(), embed);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let onkeydown = {
        let (open, button_ref) = (open.clone(), button_ref.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *open {
                e.prevent_default();
                open.set(false);
                if let Some(b) = button_ref.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    // Focus leaving the whole navigation (Tab past the last link, a click elsewhere) closes it.
    let onfocusout = {
        let (open, nav_ref) = (open.clone(), nav_ref.clone());
        Callback::from(move |e: FocusEvent| {
            let to = e.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            let inside = nav_ref.cast::<web_sys::Node>().is_some_and(|n| to.is_some_and(|to| n.contains(Some(&to))));
            if !inside {
                open.set(false);
            }
        })
    };
    let (prev, next) = current.map(lessons::neighbours).unwrap_or((None, None));
    let step_link = |id: Option<&'static str>, key: &'static str, testid: &'static str, text: String| match id {
        Some(id) => html! {
            <a class="lesson-step" href={href(Some(id))} data-testid={testid}
                title={format!("{}: {}", tr(l, key), tr_dyn(l, &lessons::hook_key(id), id))}>{ text }</a>
        },
        None => Html::default(),
    };
    let label = match current.and_then(lessons::position) {
        Some(i) => format!(
            "{} {} ▾",
            tr(l, "lessons.button"),
            trf(l, "lessons.position", &[("i", &(i + 1).to_string()), ("n", &lessons::count().to_string())])
        ),
        None => format!("{} ▾", tr(l, "lessons.button")),
    };
    html! {
        <nav class="lesson-nav" aria-label={tr(l, "lessons.label")} data-testid="lesson-nav" ref={nav_ref}
            {onkeydown} {onfocusout}>
            // In a frame the arrows alone (their title says which lesson); the page spells them out.
            { step_link(prev, "lessons.prev", "lesson-prev", if embed { "‹".into() } else { format!("‹ {}", tr(l, "lessons.prev")) }) }
            <button type="button" class="lessons-btn" data-testid="lessons-button" ref={button_ref}
                aria-expanded={open.to_string()} aria-controls="lesson-menu" onclick={toggle}>{ label }</button>
            if *open {
                { menu(l, current, &href) }
            }
            { step_link(next, "lessons.next", "lesson-next", if embed { "›".into() } else { format!("{} ›", tr(l, "lessons.next")) }) }
        </nav>
    }
}

/// The open menu: back to free play, then each group's lessons as links.
fn menu(l: Lang, current: Option<&str>, href: &dyn Fn(Option<&str>) -> String) -> Html {
    let here = |id: Option<&str>| (id == current).then_some("page");
    let groups = GROUPS.iter().map(|(group, ids)| {
        html! {
            <li class="lesson-group">
                <h2>{ tr_dyn(l, &lessons::group_key(group), group) }</h2>
                <ul>
                    { for ids.iter().map(|&id| html! {
                        <li><a href={href(Some(id))} data-testid={format!("lesson-{id}")} aria-current={here(Some(id))}>
                            { tr_dyn(l, &lessons::hook_key(id), id) }</a></li>
                    }) }
                </ul>
            </li>
        }
    });
    html! {
        <div class="lesson-menu" id="lesson-menu" data-testid="lesson-menu" tabindex="-1">
            <a class="lesson-free" href={href(None)} data-testid="lesson-free-play" aria-current={here(None)}>
                { tr(l, if current.is_some() { "lessons.free_play" } else { "lessons.free_play_short" }) }</a>
            <ul class="lesson-groups">{ for groups }</ul>
        </div>
    }
}
