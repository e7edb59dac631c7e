//! Shared harness of the server's integration tests: a real server on 127.0.0.1:0 with a
//! temporary data folder, users created through the API, and HTTP clients acting as them.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use beffroi_protocol::time::Zone;
use beffroi_server::Settings;
use beffroi_server::users::{NewUser, Role};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, LOCATION};
use serde::Serialize;
use serde_json::{Value, json};

/// Password of every test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server.
pub struct TestServer {
    /// Its address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// Its data folder (kept across restarts).
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The settings it runs with.
    pub settings: Settings,
}

impl TestServer {
    /// A server with default settings on a new temporary data folder.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server with settings changed by `f`.
    pub async fn start_with(f: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            data_dir: dir.path().to_owned(),
            ..Settings::default()
        };
        f(&mut settings);
        let mut s = Self::launch(settings).await;
        s._dir = Some(dir);
        s
    }

    /// Stops the server and starts a new one on the same data folder and the same address
    /// (players keep the URL they were paired with).
    pub async fn restart_at_same_address(mut self) -> Self {
        self.shutdown().await;
        let dir = self._dir.take();
        let mut s = Self::launch_at(self.settings.clone(), &self.addr.to_string()).await;
        s._dir = dir;
        s
    }

    async fn launch(settings: Settings) -> Self {
        Self::launch_at(settings, "127.0.0.1:0").await
    }

    async fn launch_at(settings: Settings, addr: &str) -> Self {
        // HTTP clients built with `reqwest::Client::new()` need a process-wide TLS provider
        // when the player's reqwest features (rustls without a provider) join the build.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let run = settings.clone();
        let task = tokio::spawn(async move {
            beffroi_server::launch_with_listener(run, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let url = format!("http://{addr}");
        // Wait until it answers (the database opens before the first request is served).
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{url}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        Self {
            addr,
            url,
            data_dir: settings.data_dir.clone(),
            _dir: None,
            stop: Some(stop),
            task: Some(task),
            settings,
        }
    }

    /// Stops the server and starts a new one on the same data folder.
    pub async fn restart(mut self) -> Self {
        self.shutdown().await;
        let dir = self._dir.take();
        let mut s = Self::launch(self.settings.clone()).await;
        s._dir = dir;
        s
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// The full URL of `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Creates a user directly in the database (like `admin create-user`).
    pub async fn create_user(&self, username: &str, role: Role, communes: &[&str]) {
        let pool = beffroi_server::db::open(&self.data_dir).await.unwrap();
        beffroi_server::users::create(
            &pool,
            &NewUser {
                username: username.into(),
                password: PASSWORD.into(),
                role,
                communes: communes.iter().map(|c| c.parse().unwrap()).collect(),
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
        pool.close().await;
    }

    /// A user and a client that sends their API token.
    pub async fn user(&self, username: &str, role: Role, communes: &[&str]) -> Api {
        self.create_user(username, role, communes).await;
        let session = self.login(username).await;
        let r = session
            .post("/api/v1/auth/tokens", &json!({ "name": "tests" }))
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
        let token = r.1["token"].as_str().unwrap().to_owned();
        Api::with_token(&self.url, &token)
    }

    /// A logged-in session (cookie + CSRF header).
    pub async fn login(&self, username: &str) -> Api {
        // No automatic decompression (the player's reqwest features may turn it on): tests
        // look at the bytes and headers the server really sends.
        let client = reqwest::Client::builder()
            .no_gzip()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = client
            .post(self.at("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        Api {
            base: self.url.clone(),
            client,
            csrf: Some(csrf),
            token: None,
        }
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Api {
        Api {
            base: self.url.clone(),
            client: reqwest::Client::builder().no_gzip().build().unwrap(),
            csrf: None,
            token: None,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An API client: (status, JSON body) for every call.
#[derive(Clone)]
pub struct Api {
    /// Server URL.
    pub base: String,
    /// The HTTP client (with its default headers or cookie store).
    pub client: reqwest::Client,
    /// The session's CSRF token, sent on unsafe methods.
    pub csrf: Option<String>,
    /// The bearer token, for token clients.
    pub token: Option<String>,
}

impl Api {
    /// A client sending `Authorization: Bearer token`.
    pub fn with_token(base: &str, token: &str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .no_gzip()
                .default_headers(headers)
                .build()
                .unwrap(),
            csrf: None,
            token: Some(token.to_owned()),
        }
    }

    fn with_csrf(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.csrf {
            Some(c) => rb.header("X-CSRF-Token", c),
            None => rb,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        read(self.client.get(format!("{}{path}", self.base))).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        read(self.with_csrf(self.client.post(format!("{}{path}", self.base)).json(body))).await
    }

    /// PUT JSON.
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        read(self.with_csrf(self.client.put(format!("{}{path}", self.base)).json(body))).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        read(self.with_csrf(self.client.delete(format!("{}{path}", self.base)))).await
    }

    /// POST raw bytes with a content type.
    pub async fn post_bytes(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> (u16, Value) {
        read(
            self.with_csrf(
                self.client
                    .post(format!("{}{path}", self.base))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes),
            ),
        )
        .await
    }

    /// A request builder for anything else.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.with_csrf(self.client.request(method, format!("{}{path}", self.base)))
    }
}

async fn read(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// The folder of the shared samples (beside the repository).
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples")
}

/// Fruges, Hucqueliers, Campagne-lès-Boulonnais: communes of the territory used in tests.
pub const FRUGES: &str = "62364";
/// Hucqueliers.
pub const HUCQUELIERS: &str = "62463";

/// Pairs a new player with `screen` (claimed by `claimer`): a client sending its device
/// token.
pub async fn pair(server: &TestServer, claimer: &Api, screen: &str) -> Api {
    let r = server.anonymous().post("/api/v1/pairing", &json!({})).await;
    assert_eq!(r.0, 201, "{}", r.1);
    let code = r.1["code"].as_str().unwrap().to_owned();
    let secret = r.1["secret"].as_str().unwrap().to_owned();
    let c = claimer
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": screen }),
        )
        .await;
    assert_eq!(c.0, 201, "{}", c.1);
    let r = reqwest::Client::new()
        .get(server.at(&format!("/api/v1/pairing/{code}")))
        .header("X-Pairing-Secret", &secret)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    Api::with_token(&server.url, body["token"].as_str().unwrap())
}

/// A playlist of one text slide titled `title` (in French), named "Accueil".
pub fn text_playlist(title: &str) -> Value {
    json!({
        "name": "Accueil",
        "items": [{ "id": "a", "duration_ms": 5000, "kind": "text", "title": { "fr": title } }]
    })
}

/// Creates screen `id` of `commune` (in `groups`, when any), showing its own playlist
/// `pl-{id}` (a text slide saying "Bonjour"); nothing is published.
pub async fn screen_with_playlist(
    admin: &Api,
    id: &str,
    commune: &str,
    name: &str,
    groups: &[&str],
) {
    let r = admin
        .post(
            "/api/v1/playlists",
            &json!({ "id": format!("pl-{id}"), "owner": commune, "body": text_playlist("Bonjour") }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let mut body = json!({
        "name": name,
        "commune": commune,
        "layout": "fullscreen",
        "default_playlists": { "main": format!("pl-{id}") },
    });
    if !groups.is_empty() {
        body["groups"] = json!(groups);
    }
    let r = admin
        .post(
            "/api/v1/screens",
            &json!({ "id": id, "owner": commune, "body": body }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

/// Creates shared playlists (`(id, body)`) and full-screen screens (`(id, commune,
/// playlist)`, owned by their commune), then publishes everything.
pub async fn publish_screens(
    admin: &Api,
    playlists: &[(&str, Value)],
    screens: &[(&str, &str, &str)],
) {
    for (id, body) in playlists {
        let r = admin
            .post("/api/v1/playlists", &json!({ "id": id, "body": body }))
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    for (id, commune, playlist) in screens {
        let r = admin
            .post(
                "/api/v1/screens",
                &json!({ "id": id, "owner": commune, "body": {
                    "name": format!("Écran {id}"),
                    "commune": commune,
                    "layout": "fullscreen",
                    "default_playlists": { "main": playlist },
                }}),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    }
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
}

/// A device's manifest: (status, ETag, body) asked with `If-None-Match: etag`.
pub async fn device_manifest(device: &Api, etag: Option<&str>) -> (u16, String, Value) {
    let mut rb = device.request(reqwest::Method::GET, "/api/v1/player/manifest");
    if let Some(e) = etag {
        rb = rb.header("If-None-Match", e);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, etag, body)
}

/// The data set `name` (`news`, `events`…) a device's manifest refers to; `None`: the
/// screen shows none.
pub async fn data_set<T: serde::de::DeserializeOwned>(device: &Api, name: &str) -> Option<T> {
    let (status, _, m) = device_manifest(device, None).await;
    assert_eq!(status, 200);
    let sha = m["data"][name]["sha256"].as_str()?.to_owned();
    let r = device
        .request(reqwest::Method::GET, &format!("/api/v1/assets/{sha}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    Some(serde_json::from_slice(&r.bytes().await.unwrap()).unwrap())
}

/// A browser: keeps cookies, does not follow redirects (the tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser logged in through the login form, and the CSRF token its pages carry.
pub async fn web_login(server: &TestServer, username: &str) -> (reqwest::Client, String) {
    let client = browser();
    let r = client
        .post(server.at("/connexion"))
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/ecrans");
    let page = get_page(server, &client, "/ecrans").await;
    let csrf = between(&page, "name=\"csrf_token\" value=\"", "\"").to_owned();
    assert_eq!(csrf.len(), 64, "{page}");
    (client, csrf)
}

/// The text between the first `start` and the next `end`.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let len = text[from..].find(end).unwrap();
    &text[from..from + len]
}

/// A page as `client` gets it: its status and its text.
pub async fn fetch(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
) -> (StatusCode, String) {
    let r = client.get(server.at(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A page that must answer 200.
pub async fn get_page(server: &TestServer, client: &reqwest::Client, path: &str) -> String {
    let (status, page) = fetch(server, client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    page
}

/// Posts a form as a browser does: the status, the `Location` (for a redirect) and the page.
pub async fn post_form(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    post(server, client, path, fields).await
}

/// Posts a form built or changed by the test, as `post_form`.
pub async fn post_fields(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    fields: &[(String, String)],
) -> (StatusCode, Option<String>, String) {
    post(server, client, path, fields).await
}

async fn post(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    fields: &(impl Serialize + ?Sized),
) -> (StatusCode, Option<String>, String) {
    let r = client
        .post(server.at(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// A page's answer: the status, the `Location` (for a redirect) and the page.
pub async fn answer(r: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = r.status();
    let location = r
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location, r.text().await.unwrap())
}

/// An instant as a `datetime-local` field holds it: Paris time, to the minute.
pub fn local_field(t: jiff::Timestamp) -> String {
    t.to_zoned_datetime(Zone::paris().tz())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A document served over HTTP at `path` with an ETag (and a picture at `/photo.png`),
/// counting requests and conditional ones.
pub struct DocHost {
    /// The document's address.
    pub url: String,
    /// Requests for it.
    pub hits: Arc<AtomicUsize>,
    /// Requests answered 304.
    pub conditional: Arc<AtomicUsize>,
}

/// Serves `body(origin)` at `path`.
pub async fn doc_host(path: &str, body: impl Fn(&str) -> Vec<u8>) -> DocHost {
    use axum::http::{HeaderMap, StatusCode as Http, header};
    let hits = Arc::new(AtomicUsize::new(0));
    let conditional = Arc::new(AtomicUsize::new(0));
    let (h, c) = (Arc::clone(&hits), Arc::clone(&conditional));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let body = body(&origin);
    let mut png = Vec::new();
    image::RgbImage::from_pixel(80, 60, image::Rgb([30, 200, 60]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/photo.png",
            axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "image/png")], png) }),
        )
        .route(
            path,
            axum::routing::get(move |headers: HeaderMap| {
                let (h, c, body) = (Arc::clone(&h), Arc::clone(&c), body.clone());
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == "\"v1\"")
                    {
                        c.fetch_add(1, Ordering::SeqCst);
                        return (Http::NOT_MODIFIED, [(header::ETAG, "\"v1\"")], Vec::new());
                    }
                    (Http::OK, [(header::ETAG, "\"v1\"")], body)
                }
            }),
        );
    let url = format!("{origin}{path}");
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    DocHost {
        url,
        hits,
        conditional,
    }
}

/// A server with an administrator: their API client, and their browser logged in through
/// the form with the CSRF token its pages carry.
pub async fn with_web_admin() -> (TestServer, Api, reqwest::Client, String) {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    let (client, csrf) = web_login(&server, "admin").await;
    (server, admin, client, csrf)
}

/// Presses the button of an action at `path` (a form carrying only the CSRF token).
pub async fn press(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    csrf: &str,
) -> (StatusCode, Option<String>, String) {
    post_form(server, client, path, &[("csrf_token", csrf)]).await
}

/// The table row of `id` in a page.
pub fn row<'a>(html: &'a str, id: &str) -> &'a str {
    html.split("<tr")
        .find(|r| r.contains(&format!("id=\"{id}\"")))
        .unwrap_or_else(|| panic!("no row {id} in {html}"))
}

/// Posts `file` (named `file_name`, of `mime`) as the `fichier` field of a page's upload
/// form at `path`, with the CSRF token when given.
pub async fn upload_form(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    csrf: Option<&str>,
    (file_name, mime, file): (&str, &str, &[u8]),
) -> (StatusCode, Option<String>, String) {
    let boundary = "----beffroi-essai-7d1f3a";
    let part = |head: &str| format!("--{boundary}\r\nContent-Disposition: form-data; {head}\r\n");
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend(part("name=\"csrf_token\"").bytes());
        body.extend(format!("\r\n{csrf}\r\n").bytes());
    }
    body.extend(part(&format!("name=\"fichier\"; filename=\"{file_name}\"")).bytes());
    body.extend(format!("Content-Type: {mime}\r\n\r\n").bytes());
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let r = client
        .post(server.at(path))
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    answer(r).await
}
