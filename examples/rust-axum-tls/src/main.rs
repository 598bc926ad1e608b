//! linkcheck: a small axum service that checks that HTTPS links answer, with reqwest over
//! native-tls (OpenSSL). `GET /tls-check` reports how many CA certificates the TLS stack loaded
//! from the system, so a runtime without them is visible without reaching the internet.

use std::time::Duration;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// The number of trusted roots OpenSSL loads from the system's default locations (the same ones
/// native-tls, and so reqwest, verifies servers against).
fn system_roots() -> Result<usize, openssl::error::ErrorStack> {
    // building the client runs native-tls's own trust setup (it may point SSL_CERT_FILE at the
    // system bundle), so the count below is what reqwest will use
    let _client = tls_client();
    let mut store = openssl::x509::store::X509StoreBuilder::new()?;
    store.set_default_paths()?;
    Ok(store.build().all_certificates().len())
}

fn tls_client() -> reqwest::Client {
    // reqwest's default-tls is native-tls, OpenSSL on Linux
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a native-tls client")
}

/// Only absolute https:// URLs are checked.
fn target(url: &str) -> Result<reqwest::Url, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    match (u.scheme(), u.host_str()) {
        ("https", Some(_)) => Ok(u),
        _ => Err(format!("{url}: only https:// links are checked")),
    }
}

async fn index() -> &'static str {
    "linkcheck: GET /check?url=https://example.org/ checks a link, GET /tls-check shows the TLS trust store\n"
}

async fn tls_check() -> (StatusCode, String) {
    match system_roots() {
        Ok(0) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "tls: native-tls, no CA certificates found\n".into(),
        ),
        Ok(n) => (
            StatusCode::OK,
            format!(
                "tls: native-tls, CA certificates: {}\n",
                if n > 100 { "100+" } else { "some" }
            ),
        ),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("tls: {e}\n")),
    }
}

#[derive(Deserialize)]
struct Check {
    url: String,
}

async fn check(Query(q): Query<Check>) -> (StatusCode, String) {
    let url = match target(&q.url) {
        Ok(u) => u,
        Err(e) => return (StatusCode::BAD_REQUEST, e + "\n"),
    };
    match tls_client().head(url.clone()).send().await {
        Ok(r) => (StatusCode::OK, format!("{url} {}\n", r.status().as_u16())),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("{url} unreachable: {e}\n")),
    }
}

fn app() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/tls-check", get(tls_check))
        .route("/check", get(check))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "0.0.0.0:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    eprintln!("linkcheck listening on {addr}");
    axum::serve(listener, app()).await.expect("serve");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_links() {
        assert!(target("https://example.org/a").is_ok());
        assert!(target("http://example.org/").is_err());
        assert!(target("not a url").is_err());
    }

    #[test]
    fn the_build_image_trusts_system_roots() {
        assert!(system_roots().unwrap() > 0);
    }

    #[tokio::test]
    async fn tls_check_answers() {
        let (status, body) = tls_check().await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.starts_with("tls: native-tls"));
    }
}
