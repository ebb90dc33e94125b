//! The page shell: header, language switch and the region the simulation view fills.

use yew::prelude::*;

use super::i18n::{t, Lang};

/// The whole page. Reads `?lang=` and `?embed=1` once, on mount.
#[function_component(App)]
pub fn app() -> Html {
    let lang = use_state(super::url::initial_lang);
    // The scenario the link asks for (or the default, with the link's problems), read once.
    let route = use_memo((), |_| super::route::current());
    let embed = route.embed;
    let l = *lang;
    // The built-in lesson a link opened (None: free play, a shared scenario, a bad link).
    let lesson = (route.bounded && !route.shared && !route.fell_back && super::logic::lessons::is_lesson(&route.scenario.id))
        .then(|| route.scenario.id.clone());

    use_effect_with(l, |l| {
        // Screen readers and font choice follow <html lang>.
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("lang", l.code());
        }
    });
    use_debug_panic_from_url();

    let switch = Lang::ALL.iter().map(|&target| {
        let onclick = {
            let lang = lang.clone();
            Callback::from(move |_: MouseEvent| {
                lang.set(target);
                // A chosen language stays in the URL, so a shared link opens in it.
                if let (Some(url), Ok(history)) =
                    (super::url::url_with_param("lang", Some(target.code())), gloo::utils::window().history())
                {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
            })
        };
        html! {
            <button type="button" lang={target.code()}
                data-testid={format!("lang-{}", target.code())}
                aria-pressed={(target == l).to_string()}
                {onclick}>
                { t(l, if target == Lang::Ko { "lang.ko" } else { "lang.en" }) }
            </button>
        }
    });

    html! {
        <div class={classes!("app", embed.then_some("embed"))} data-testid="app-root"
            data-lang={l.code()}>
            <header class="app-header">
                <div class="brand">
                    <h1 data-testid="app-title">{ t(l, "app.title") }</h1>
                    <p class="tagline" data-testid="app-tagline">{ t(l, "app.tagline") }</p>
                </div>
                <div class="header-tools">
                    <super::lessons::LessonPicker lang={l} {embed} current={lesson.clone()} />
                    <nav class="lang-switch" data-testid="lang-switch" aria-label={t(l, "lang.switch")}>
                        { for switch }
                    </nav>
                    if embed {
                        <a class="open-full" target="_blank" rel="noopener" data-testid="open-full"
                            href={super::url::url_with_param("embed", None).unwrap_or_else(|| "./".into())}>
                            { t(l, "embed.open_full") }
                        </a>
                    }
                </div>
            </header>
            <main class="app-main">
                <super::route::LinkProblems lang={l} route={route.clone()} />
                <super::playground::Playground lang={l} {embed} scenario={Some(route.scenario.clone())} bounded={route.bounded}
                    tour={html! { <super::guide::Guide lang={l} route={route.clone()} /> }}
                    share={html! { <super::links::ShareBar lang={l} /> }} />
            </main>
            { debug_panic_button() }
        </div>
    }
}

/// Debug builds only: `?debug_panic=1` panics right after the first render, so the panic panel
/// can be seen by hand (`scripts/serve.sh`, then open `/?debug_panic=1`).
#[hook]
fn use_debug_panic_from_url() {
    use_effect_with((), |_| {
        if cfg!(debug_assertions) && super::url::query_param("debug_panic").as_deref() == Some("1") {
            panic!("debug panic requested by ?debug_panic=1");
        }
    });
}

/// Debug builds only: a hidden button whose click panics, for the browser test of the panel.
fn debug_panic_button() -> Html {
    if !cfg!(debug_assertions) {
        return Html::default();
    }
    let onclick = Callback::from(|_: MouseEvent| panic!("debug panic requested by a test"));
    html! { <button type="button" hidden=true data-testid="debug-panic" {onclick}></button> }
}
