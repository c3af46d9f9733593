//! `Signature-Input` (RFC 8941 dictionary of inner lists) with default and
//! tight limits; the parsed member text must be a substring of the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use upvest_webhooks::Limits;
use upvest_webhooks::http_signature::parse_signature_input;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let tight = Limits { max_signatures: 2, max_components: 3, ..Limits::default() };
    for limits in [Limits::default(), tight] {
        if let Ok(inputs) = parse_signature_input(header, &limits) {
            assert!(inputs.len() <= limits.max_signatures);
            for input in &inputs {
                assert!(input.components().len() <= limits.max_components);
                assert!(header.contains(input.raw_params()), "raw params must be verbatim");
                assert!(!input.raw_params().contains('\n'));
                let _ = input.covers("content-digest");
            }
        }
    }
});
