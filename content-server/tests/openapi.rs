//! The OpenAPI document against the router: every documented operation exists, every API
//! route is documented, and every operation but health, login and pairing refuses
//! anonymous callers.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::TestServer;
use serde_json::Value;

/// Operations an anonymous caller may reach.
const PUBLIC: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/pairing"),
    ("GET", "/api/v1/pairing/{code}"),
];

fn concrete(path: &str) -> String {
    path.replace("{sha256}", &"0".repeat(64))
        .replace("{code}", "ABCDEF")
        .replace("{id}", "1")
}

#[tokio::test]
async fn every_documented_operation_exists_and_needs_authentication() {
    let server = TestServer::start().await;
    let anon = server.anonymous();
    let (status, spec) = anon.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "only {} paths documented", paths.len());
    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            assert!(
                op.get("responses").is_some_and(Value::is_object),
                "{method} {path} documents no response"
            );
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let resp = anon
                .client
                .request(m, server.at(&concrete(path)))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let code = resp.status().as_u16();
            assert!(
                code != 404 || PUBLIC.contains(&(method.as_str(), path.as_str())),
                "{method} {path}: documented but not routed (404)"
            );
            assert_ne!(
                code, 405,
                "{method} {path}: documented but not routed (405)"
            );
            if !PUBLIC.contains(&(method.as_str(), path.as_str())) {
                assert_eq!(
                    code, 401,
                    "{method} {path} answered {code} to an anonymous caller"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} operations");
}

#[test]
fn every_api_route_is_registered_through_the_documented_router() {
    // Routes registered with plain axum would be missing from the document; only the spec
    // itself is served that way.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut plain = BTreeSet::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                if let Some(rest) = line.trim_start().strip_prefix(".route(\"/api/") {
                    plain.insert(format!("{}:{}: /api/{rest}", path.display(), i + 1));
                }
            }
        }
    }
    let plain: Vec<_> = plain
        .into_iter()
        .filter(|l| !l.contains("/api/v1/openapi.json"))
        .collect();
    assert!(plain.is_empty(), "undocumented API routes: {plain:#?}");

    // And the document lists exactly the paths the API router was built from.
    let (_, doc) = beffroi_server::server::api();
    let documented: BTreeSet<String> = doc.paths.paths.keys().cloned().collect();
    for p in &documented {
        assert!(p.starts_with("/api/v1/"), "{p}");
    }
    assert!(documented.contains("/api/v1/publish"));
    assert!(documented.contains("/api/v1/media"));
}
