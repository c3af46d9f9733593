//! The delivery payload `{"payload":[event, …]}`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::parse_events;

fuzz_target!(|data: &[u8]| {
    let _ = parse_events(data);
});
