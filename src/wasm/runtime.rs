//! The runtime's services the boundary shares: the one clock ([`Clock`]),
//! and the one way to share in-flight work ([`SingleFlight`]) with the rule
//! of the runtime the module runs in. In Cloudflare Workers (workerd) a
//! promise created during one request and awaited or resolved during
//! another gets the second request cancelled ("the Workers runtime canceled
//! this request because it detected that your Worker's code had hung"). So
//! there, no verification or client call waits for a key or token load
//! another one started.

use super::convert::{self, get};
use crate::error::Result;
use futures_util::FutureExt;
use futures_util::future::{LocalBoxFuture, Shared};
use js_sys::Function;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Where a verifier or client reads the time, in milliseconds since the
/// UNIX epoch.
pub(crate) enum Clock {
    /// `Date.now()`.
    System,
    /// The caller's `now` option (`Date.now()` if it throws or returns no number).
    Js(Function),
    /// A fixed time (the warm-up's embedded delivery).
    Fixed(f64),
}

impl Clock {
    /// The `now` option of `options`: a function, or absent for the system clock.
    pub(crate) fn from_option(options: &JsValue) -> Result<Self> {
        Ok(convert::function_option(options, "now")?.map_or(Clock::System, Clock::Js))
    }

    /// The time now.
    pub(crate) fn now_ms(&self) -> f64 {
        match self {
            Clock::System => js_sys::Date::now(),
            Clock::Js(now) => now
                .call0(&JsValue::UNDEFINED)
                .ok()
                .and_then(|value| value.as_f64())
                .unwrap_or_else(js_sys::Date::now),
            Clock::Fixed(ms) => *ms,
        }
    }
}

type SharedWork<T> = Shared<LocalBoxFuture<'static, T>>;

/// One piece of async work (a key or token load) shared by the concurrent
/// callers that need it, where the runtime allows (see [`shares_in_flight_work`]).
pub(crate) struct SingleFlight<T: Clone + 'static> {
    in_flight: Rc<RefCell<Option<SharedWork<T>>>>,
}

impl<T: Clone + 'static> SingleFlight<T> {
    pub(crate) fn new() -> Self {
        SingleFlight {
            in_flight: Rc::new(RefCell::new(None)),
        }
    }

    /// The work under way, to wait for without starting any. Always `None`
    /// in workerd, where nothing is ever shared.
    pub(crate) fn join(&self) -> Option<LocalBoxFuture<'static, T>> {
        let shared = self.in_flight.borrow().clone();
        shared.map(FutureExt::boxed_local)
    }

    /// Joins the work under way, or starts it with `start` (called at once,
    /// so its synchronous part runs before this returns). In workerd every
    /// caller starts and awaits its own.
    pub(crate) fn run(
        &self,
        start: impl FnOnce() -> LocalBoxFuture<'static, T>,
    ) -> LocalBoxFuture<'static, T> {
        if !shares_in_flight_work() {
            return start();
        }
        if let Some(joined) = self.join() {
            return joined;
        }
        let slot = Rc::clone(&self.in_flight);
        let work = start();
        let shared = async move {
            let result = work.await;
            slot.borrow_mut().take();
            result
        }
        .boxed_local()
        .shared();
        *self.in_flight.borrow_mut() = Some(shared.clone());
        shared.boxed_local()
    }
}

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
