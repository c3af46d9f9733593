//! Which runtime the module runs in, where that changes how async work may
//! be shared. In Cloudflare Workers (workerd) a promise created during one
//! request and awaited or resolved during another gets the second request
//! cancelled ("the Workers runtime canceled this request because it
//! detected that your Worker's code had hung"). So there, no verification
//! or client call waits for a key or token load another one started.

use super::convert::get;
use std::cell::Cell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Set by the package's `workerd` entries through `configureRuntime`.
    static WORKERD_ENTRY: Cell<bool> = const { Cell::new(false) };
    /// `navigator.userAgent === "Cloudflare-Workers"`, read once.
    static WORKERD_AGENT: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Called by the package's `workerd` entries at set-up with
/// `{ workerd: true }`. Internal: not part of the package's public API.
#[wasm_bindgen(js_name = configureRuntime)]
pub fn configure_runtime(options: JsValue) {
    if let Some(workerd) = get(&options, "workerd").as_bool() {
        WORKERD_ENTRY.with(|flag| flag.set(workerd));
    }
}

/// Whether concurrent calls may wait on one shared in-flight load (Node,
/// browsers, Deno) or must each do their own work (workerd: the `workerd`
/// entries, or any bundle whose `navigator.userAgent` is `Cloudflare-Workers`).
pub(crate) fn shares_in_flight_work() -> bool {
    !(WORKERD_ENTRY.with(Cell::get) || workerd_user_agent())
}

fn workerd_user_agent() -> bool {
    WORKERD_AGENT.with(|cached| {
        cached.get().unwrap_or_else(|| {
            let agent = get(&get(&js_sys::global(), "navigator"), "userAgent").as_string();
            let workerd = agent.as_deref() == Some("Cloudflare-Workers");
            cached.set(Some(workerd));
            workerd
        })
    })
}
