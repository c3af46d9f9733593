//! Tests of `validate.rs`, including the shared table of
//! `tests/fixtures/webhook-validation.json`.

use super::*;
use serde_json::json;

fn rule(result: Result<Value>) -> (String, &'static str) {
    let err = result.unwrap_err();
    (err.field, err.rule)
}

#[test]
fn accepts_the_documented_create_example() {
    let body = json!({"title":"User webhook","url":"https://tenant.tld/webhooks/users","type":["USER"],"config":{"delay":"5s","max_package_size":10240}});
    assert_eq!(check_create(&body).unwrap(), body);
}

#[test]
fn enforces_title_and_url_rules() {
    let long = "x".repeat(101);
    assert_eq!(
        rule(check_create(&json!({"url":"https://a.b"}))),
        ("title".into(), "required")
    );
    assert_eq!(
        rule(check_create(&json!({"title":long,"url":"https://a.b"}))),
        ("title".into(), "max_length")
    );
    assert!(check_create(&json!({"title":"é".repeat(100),"url":"https://a.b"})).is_ok());
    assert_eq!(
        rule(check_create(&json!({"title":"t","url":"http://a.b"}))),
        ("url".into(), "https")
    );
    assert_eq!(
        rule(check_create(&json!({"title":"t","url":"https://"}))),
        ("url".into(), "https")
    );
    let long_url = format!("https://a.b/{}", "x".repeat(1000));
    assert_eq!(
        rule(check_create(&json!({"title":"t","url":long_url}))),
        ("url".into(), "max_length")
    );
}

#[test]
fn allows_http_only_to_loopback_and_only_when_asked() {
    let body = |url: &str| json!({"title":"t","url":url});
    let local = UrlPolicy {
        allow_http_loopback: true,
    };
    for url in [
        "http://localhost:8080/hooks",
        "http://127.0.0.1/x",
        "http://[::1]:9/",
    ] {
        assert!(check_create_with(&body(url), local).is_ok(), "{url}");
        assert_eq!(rule(check_create(&body(url))), ("url".into(), "https"));
    }
    for url in [
        "http://example.com/",
        "http://localhost.evil.com/",
        "http://127.0.0.1.nip.io/",
    ] {
        assert_eq!(
            rule(check_create_with(&body(url), local)),
            ("url".into(), "https"),
            "{url}"
        );
    }
}

#[test]
fn enforces_delay_pattern_and_package_size_range() {
    for ok in ["1s", "5s", "99m", "30s"] {
        assert!(is_delay(ok), "{ok}");
    }
    for bad in ["0s", "100s", "5h", "s", "", "05s", "5", "1.5s", "５s"] {
        assert!(!is_delay(bad), "{bad}");
    }
    let with =
        |config: Value| check_create(&json!({"title":"t","url":"https://a.b","config":config}));
    assert_eq!(
        rule(with(json!({"delay":"0s"}))),
        ("config.delay".into(), "pattern")
    );
    assert_eq!(
        rule(with(json!({"max_package_size":99}))),
        ("config.max_package_size".into(), "range")
    );
    assert_eq!(
        rule(with(json!({"max_package_size":1_048_577}))),
        ("config.max_package_size".into(), "range")
    );
    assert!(with(json!({"max_package_size":100})).is_ok());
    assert!(with(json!({"max_package_size":1_048_576})).is_ok());
    assert_eq!(
        rule(with(json!({"retries":1}))),
        ("config.retries".into(), "unknown_field")
    );
}

#[test]
fn enforces_type_lists() {
    let with = |t: Value| check_create(&json!({"title":"t","url":"https://a.b","type":t}));
    assert_eq!(rule(with(json!([]))), ("type".into(), "non_empty"));
    assert_eq!(rule(with(json!("ORDER"))), ("type".into(), "type"));
    assert_eq!(rule(with(json!([1]))), ("type".into(), "type"));
    assert!(with(json!(["ORDER", "FUTURE_CATEGORY"])).is_ok());
}

#[test]
fn update_needs_a_known_field_and_a_boolean_enabled() {
    assert!(check_update(&json!({"enabled": true})).is_ok());
    assert_eq!(rule(check_update(&json!({}))), ("body".into(), "non_empty"));
    assert_eq!(
        rule(check_update(&json!({"enabled": "yes"}))),
        ("enabled".into(), "type")
    );
    assert_eq!(
        rule(check_update(&json!({"id": "x"}))),
        ("id".into(), "unknown_field")
    );
}

#[test]
fn checks_list_parameters() {
    let params = check_list(
        &json!({"limit":1000,"offset":0,"sort":"title","order":"DESC"}),
        &[],
    )
    .unwrap();
    assert_eq!(
        params.query(),
        vec![
            ("limit".into(), "1000".into()),
            ("offset".into(), "0".into()),
            ("sort".into(), "title".into()),
            ("order".into(), "DESC".into())
        ]
    );
    assert_eq!(
        check_list(&json!({"limit":1001}), &[]).unwrap_err().rule,
        "range"
    );
    assert_eq!(
        check_list(&json!({"limit":-1}), &[]).unwrap_err().rule,
        "range"
    );
    assert_eq!(
        check_list(&json!({"offset":-1}), &[]).unwrap_err().rule,
        "range"
    );
    assert_eq!(
        check_list(&json!({"sort":"id"}), &[]).unwrap_err().rule,
        "enum"
    );
    assert_eq!(
        check_list(&json!({"order":"asc"}), &[]).unwrap_err().rule,
        "enum"
    );
    assert_eq!(
        check_list(&json!({"pageSize":5}), &[]).unwrap_err().rule,
        "unknown_field"
    );
    assert!(check_list(&json!({"pageSize":5}), &["pageSize"]).is_ok());
    assert_eq!(
        check_list(&Value::Null, &[]).unwrap(),
        ListParams::default()
    );
}

/// The table every implementation passes (the emulator and the JS client
/// in tests/emulator/validation-table.test.mjs).
#[test]
fn passes_the_shared_table() {
    let table: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/webhook-validation.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 60);
    for case in cases {
        let name = format!("{}: {}", case["op"], case["name"]);
        let urls = UrlPolicy {
            allow_http_loopback: case["allowHttpLocalhost"].as_bool().unwrap_or(false),
        };
        let result = match case["op"].as_str().unwrap() {
            "create" => check_create_with(&case["body"], urls),
            "update" => check_update_with(&case["body"], urls),
            op => panic!("{name}: unknown op {op}"),
        };
        let expected = case.get("client").unwrap_or(&case["expect"]);
        let got = match result {
            Ok(_) => Value::Null,
            Err(err) => serde_json::json!({ "field": err.field, "rule": err.rule }),
        };
        assert_eq!(&got, expected, "{name}");
    }
}

#[test]
fn finds_hosts_and_ip_addresses() {
    assert_eq!(
        url_host("HTTPS://u:p@Hooks.Example.com:8443/x?y#z"),
        ("https".into(), "hooks.example.com".into())
    );
    assert_eq!(
        url_host("https://[::1]:9/"),
        ("https".into(), "[::1]".into())
    );
    assert_eq!(url_host("/hooks"), (String::new(), String::new()));
    for ip in [
        "10.0.0.1",
        "[2001:db8::1]",
        "0x7f.0.0.1",
        "1.2.3",
        "8.8.8.8.",
    ] {
        assert!(is_ip_host(ip), "{ip}");
    }
    for name in [
        "1password.example.com",
        "example.com",
        "0x.example",
        "localhost",
    ] {
        assert!(!is_ip_host(name), "{name}");
    }
    assert!(is_event_type("ORDER.NEW") && is_event_type("USER_CHECK.A1"));
    for bad in [
        "ORDER",
        "order.new",
        "ORDER.",
        ".NEW",
        "ORDER.NEW.X",
        "1A.B",
    ] {
        assert!(!is_event_type(bad), "{bad}");
    }
}

#[test]
fn ids_must_be_uuids() {
    assert!(check_id("webhook_id", "9df39835-be87-4243-9018-f2500b39cee6").is_ok());
    for bad in [
        "",
        "9df39835be874243901 8f2500b39cee6",
        "../auth/token",
        "9df39835-be87-4243-9018-f2500b39cee6x",
    ] {
        assert_eq!(check_id("webhook_id", bad).unwrap_err().rule, "uuid");
    }
}
