//! A minimal Yew page (a counter): the size floor for Consistency Lab's download.

use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    let count = use_state(|| 0u32);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_| count.set(*count + 1))
    };
    html! { <button {onclick}>{ format!("clicked {} times", *count) }</button> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
