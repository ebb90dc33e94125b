#![cfg(target_arch = "wasm32")]
//! A panic never leaves a blank page: the hook draws a bilingual error panel with a reset button.
//! This file is its own test binary (its own page), because the panic leaves Yew's state broken.

use std::time::Duration;

use consistency_lab::ui::i18n::{t, Lang};
use consistency_lab::ui::{panic, App};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Clicking the debug-only trigger panics inside an event handler; the panel then shows both
/// languages, the message, and a reset button that drops the query and hash.
#[wasm_bindgen_test]
async fn a_panic_shows_the_error_panel() {
    panic::install();
    let document = gloo::utils::document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<App>::with_root(host.clone()).render();

    let mut trigger = None;
    for _ in 0..200 {
        trigger = host.query_selector("[data-testid=debug-panic]").unwrap();
        if trigger.is_some() {
            break;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    let trigger = trigger.expect("debug builds render the hidden panic trigger");
    assert!(document.get_element_by_id(panic::PANEL_ID).is_none());

    trigger.dyn_into::<web_sys::HtmlElement>().unwrap().click();

    let panel = document.get_element_by_id(panic::PANEL_ID).expect("the panic hook drew the panel");
    let text = panel.text_content().unwrap_or_default();
    for lang in Lang::ALL {
        for key in ["panic.title", "panic.body"] {
            assert!(text.contains(t(lang, key)), "panel lacks {key} in {lang:?}: {text}");
        }
    }
    assert!(text.contains("debug panic requested by a test"), "panel shows the message");
    let reset = panel.query_selector("[data-testid=panic-reset]").unwrap().expect("reset button");
    let label = reset.text_content().unwrap_or_default();
    assert!(label.contains(t(Lang::Ko, "panic.reset")) && label.contains(t(Lang::En, "panic.reset")));
    assert_eq!(reset.get_attribute("onclick").as_deref(), Some("location.replace(this.dataset.href)"));
    let href = reset.get_attribute("data-href").unwrap();
    assert!(!href.contains('#') && !href.contains("debug_panic"), "reset URL: {href}");
}

/// The reset URL drops the fragment and every query key but `lang` and `embed`.
#[wasm_bindgen_test]
fn reset_url_drops_what_caused_the_panic() {
    assert_eq!(
        panic::reset_url("https://x.dev/lab/?scenario=a&lang=ko&debug_panic=1&embed=1#s=AbC"),
        "https://x.dev/lab/?lang=ko&embed=1"
    );
    assert_eq!(panic::reset_url("https://x.dev/lab/?step=3#s=x"), "https://x.dev/lab/");
    assert_eq!(panic::reset_url("https://x.dev/"), "https://x.dev/");
}
