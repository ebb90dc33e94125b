//! Web entry. Trunk builds this binary to WebAssembly (`index.html` names it); natively it only
//! says how to build and serve the page, so `cargo build` of the whole crate still works.

#[cfg(target_arch = "wasm32")]
fn main() {
    consistency_lab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "consistency-lab is the web app; it runs in a browser as WebAssembly.\n\
         \n\
         serve it:   scripts/serve.sh    (then open http://127.0.0.1:8080)\n\
         build it:   scripts/build.sh    (static files in dist/)\n\
         test it:    scripts/test.sh\n\
         \n\
         The headless simulation is the `lab` binary: cargo run --release --bin lab -- list"
    );
}
