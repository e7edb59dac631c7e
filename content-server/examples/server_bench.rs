//! Server benchmarks, printed as figures and ratios (never asserted):
//!
//! 1. 304 answers per second to `GET /api/v1/player/manifest` with `If-None-Match` under
//!    `wrk`, against nginx serving a static file with its ETag, same machine, same run.
//! 2. Publish → `manifest` event latency over Server-Sent Events with N connected players
//!    (default 200): from sending `POST /api/v1/publish` to each player receiving the event.
//! 3. News → `manifest` event latency, same players (their playlist has a news ticker): from
//!    sending `POST /api/v1/news` (the news data set rebuilt, every manifest rebuilt) to
//!    each player receiving the event, as a ratio to the publish of (2); and the import of a
//!    200-entry feed file.
//! 4. Agenda → `manifest` event latency, same players (their playlist has an agenda): from
//!    sending `POST /api/v1/events` (occurrences expanded, events data set and every
//!    manifest rebuilt) to each player receiving the event, as a ratio to the publish; and
//!    the import of a 500-event iCalendar file (half of them weekly series with exceptions).
//!
//! `scripts/bench-server` installs wrk and nginx and runs this in release mode.
//! Usage: `server_bench [--clients N] [--publishes N] [--seconds S]`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use beffroi_server::Settings;
use beffroi_server::auth::tokens;
use beffroi_server::users::{NewUser, Role};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

struct Args {
    clients: usize,
    publishes: usize,
    seconds: u32,
}

fn args() -> Args {
    let mut a = Args {
        clients: 200,
        publishes: 20,
        seconds: 10,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--clients", Some(v)) => a.clients = v,
            ("--publishes", Some(v)) => a.publishes = v,
            ("--seconds", Some(v)) => a.seconds = v as u32,
            _ => panic!("usage: server_bench [--clients N] [--publishes N] [--seconds S]"),
        }
    }
    a
}

fn main() {
    // RUST_LOG=info shows each publication's phases.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    // The server's HTTP client (news feeds) brings reqwest without a default TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(a));
}

async fn run(a: Args) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}");
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    // The admin and the screens' devices are made directly in the database: the API's
    // pairing rate limit would (rightly) refuse 200 pairings from one address.
    let pool = beffroi_server::db::open(dir.path()).await.unwrap();
    let admin_id = beffroi_server::users::create(
        &pool,
        &NewUser {
            username: "admin".into(),
            password: "bench password 123".into(),
            role: Role::Admin,
            communes: Vec::new(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    let admin_token = tokens::new_token(tokens::USER_TOKEN_PREFIX);
    sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?1, 'bench', ?2, '2026-01-01T00:00:00Z')")
        .bind(admin_id)
        .bind(tokens::hash(&admin_token))
        .execute(&pool)
        .await
        .unwrap();
    tokio::spawn(async move {
        beffroi_server::launch_with_listener(settings, listener, std::future::pending())
            .await
            .unwrap();
    });
    let admin = client(Some(&admin_token));
    wait_healthy(&admin, &url).await;

    // One shared playlist on every screen; screens spread over the communes.
    let communes: Vec<String> = beffroi_server::communes::territory()
        .iter()
        .map(|c| c.insee.to_string())
        .collect();
    post(
        &admin,
        &url,
        "/api/v1/playlists",
        &json!({ "id": "accueil", "body": playlist("Bonjour 0") }),
    )
    .await;
    let mut devices = Vec::new();
    for i in 0..a.clients {
        let commune = &communes[i % communes.len()];
        let id = format!("ecran-{i:03}");
        post(
            &admin,
            &url,
            "/api/v1/screens",
            &json!({ "id": id, "owner": commune, "body": {
            "name": format!("Écran {i}"), "commune": commune, "layout": "fullscreen",
            "default_playlists": { "main": "accueil" } } }),
        )
        .await;
        let token = tokens::new_token(tokens::DEVICE_TOKEN_PREFIX);
        sqlx::query("INSERT INTO devices (screen_id, token_hash, created_at) VALUES (?1, ?2, '2026-01-01T00:00:00Z')")
            .bind(&id)
            .bind(tokens::hash(&token))
            .execute(&pool)
            .await
            .unwrap();
        devices.push(token);
    }
    let started = Instant::now();
    post(&admin, &url, "/api/v1/publish", &json!({})).await;
    println!(
        "set-up: {} screens created and published (first publish {} ms)",
        a.clients,
        started.elapsed().as_millis()
    );

    manifest_304(&url, &devices[0], dir.path(), a.seconds).await;
    let mut events = listen(&url, &devices).await;
    let publish_p50 = push_latency(&url, &admin, &mut events, devices.len(), a.publishes).await;
    news_latency(
        &url,
        &admin,
        &mut events,
        devices.len(),
        a.publishes,
        publish_p50,
    )
    .await;
    feed_import(&url, &admin).await;
    events_latency(
        &url,
        &admin,
        &mut events,
        devices.len(),
        a.publishes,
        publish_p50,
    )
    .await;
    calendar_import(&url, &admin, &devices[0]).await;
}

/// A percentile of sorted values.
fn pct(v: &[f64], p: f64) -> f64 {
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn playlist(title: &str) -> Value {
    json!({ "name": "Accueil", "items": [
        { "id": "a", "duration_ms": 8000, "kind": "text", "title": { "fr": title } },
        { "id": "titres", "duration_ms": 30000, "kind": "ticker", "source": "news" },
        { "id": "agenda", "duration_ms": 10000, "kind": "events", "days": 7, "max": 4 }
    ]})
}

fn client(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {t}").parse().unwrap(),
        );
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn wait_healthy(c: &reqwest::Client, url: &str) {
    for _ in 0..400 {
        if c.get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not start");
}

async fn post(c: &reqwest::Client, url: &str, path: &str, body: &Value) -> Value {
    let r = c
        .post(format!("{url}{path}"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path}: {status} {v}");
    v
}

/// Runs wrk against `target` with `headers`; returns requests per second.
fn wrk(target: &str, headers: &[String], seconds: u32) -> Option<f64> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd.arg(target).stderr(Stdio::inherit()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let non_2xx = text.lines().find(|l| l.contains("Non-2xx or 3xx"));
    if let Some(l) = non_2xx {
        eprintln!("wrk: {}", l.trim());
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

async fn manifest_304(url: &str, device: &str, dir: &Path, seconds: u32) {
    let player = client(Some(device));
    let r = player
        .get(format!("{url}/api/v1/player/manifest"))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body = r.bytes().await.unwrap();
    let check = player
        .get(format!("{url}/api/v1/player/manifest"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 304);

    // nginx serving the same manifest bytes as a static file, ETag on.
    let root = dir.join("nginx");
    std::fs::create_dir_all(root.join("www")).unwrap();
    std::fs::write(root.join("www/manifest.json"), &body).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = format!(
        "worker_processes 2; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{ access_log off; etag on; \
         client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp; \
         uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp; \
         server {{ listen 127.0.0.1:{port}; root {root}/www; }} }}\n",
        root = root.display()
    );
    std::fs::write(root.join("nginx.conf"), conf).unwrap();
    let nginx = Command::new("nginx")
        .args(["-c"])
        .arg(root.join("nginx.conf"))
        .args(["-p"])
        .arg(&root)
        .stderr(Stdio::null())
        .spawn();
    let mut nginx = match nginx {
        Ok(n) => n,
        Err(e) => {
            println!("manifest 304s: nginx not available ({e}); run scripts/bench-server");
            return;
        }
    };
    let static_url = format!("http://127.0.0.1:{port}/manifest.json");
    let plain = client(None);
    let mut nginx_etag = None;
    for _ in 0..200 {
        if let Ok(r) = plain.get(&static_url).send().await {
            nginx_etag = r
                .headers()
                .get("etag")
                .map(|e| e.to_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let nginx_etag = nginx_etag.expect("nginx gave no ETag");
    let n304 = plain
        .get(&static_url)
        .header("If-None-Match", &nginx_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(n304.status(), 304);

    // wrk blocks: run it on a blocking thread so the server keeps its runtime.
    let ours = {
        let target = format!("{url}/api/v1/player/manifest");
        let headers = vec![
            format!("Authorization: Bearer {device}"),
            format!("If-None-Match: {etag}"),
        ];
        tokio::task::spawn_blocking(move || wrk(&target, &headers, seconds))
            .await
            .unwrap()
    };
    let theirs = {
        let headers = vec![format!("If-None-Match: {nginx_etag}")];
        tokio::task::spawn_blocking(move || wrk(&static_url, &headers, seconds))
            .await
            .unwrap()
    };
    let _ = nginx.kill();
    let _ = nginx.wait();
    match (ours, theirs) {
        (Some(o), Some(t)) => println!(
            "manifest 304s (wrk -t2 -c32 -d{seconds}s, same machine): beffroi {o:.0}/s, nginx static file {t:.0}/s, ratio {:.2}× (goal ≥ 0.5×)",
            o / t
        ),
        _ => println!("manifest 304s: wrk not available; run scripts/bench-server"),
    }
}

/// Connects every player's event stream; each `manifest` event after the first (the current
/// manifest, sent on connect) comes out with its version and when it arrived.
async fn listen(url: &str, devices: &[String]) -> Events {
    // Every player listens; each records when it saw each version.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let ready = Arc::new(tokio::sync::Barrier::new(devices.len() + 1));
    for token in devices {
        let c = client(Some(token));
        let url = format!("{url}/api/v1/player/events");
        let tx = tx.clone();
        let ready = Arc::clone(&ready);
        tokio::spawn(async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let mut body = r.bytes_stream();
            let mut buf = Vec::new();
            let mut first = true;
            while let Some(chunk) = body.next().await {
                let Ok(chunk) = chunk else { return };
                buf.extend_from_slice(&chunk);
                while let Some(i) = buf.windows(2).position(|w| w == b"\n\n") {
                    let block: Vec<u8> = buf.drain(..i + 2).collect();
                    let block = String::from_utf8_lossy(&block);
                    let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                        continue;
                    };
                    let Some(v) = serde_json::from_str::<Value>(data.trim())
                        .ok()
                        .and_then(|v| v["version"].as_str().map(str::to_owned))
                    else {
                        continue;
                    };
                    if first {
                        // The current manifest, sent on connect.
                        first = false;
                        ready.wait().await;
                    } else {
                        let _ = tx.send((v, Instant::now()));
                    }
                }
            }
        });
    }
    drop(tx);
    ready.wait().await;
    rx
}

type Events = tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>;

/// Publishes `publishes` playlist changes; prints the publish → event latency at every
/// player and returns the publish request's p50 in ms.
async fn push_latency(
    url: &str,
    admin: &reqwest::Client,
    rx: &mut Events,
    players: usize,
    publishes: usize,
) -> f64 {
    let mut latencies = Vec::new();
    let mut publish_ms = Vec::new();
    for n in 1..=publishes {
        let body = json!({ "body": playlist(&format!("Bonjour {n}")) });
        let r = admin
            .put(format!("{url}/api/v1/playlists/accueil"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let t0 = Instant::now();
        let outcome = post(admin, url, "/api/v1/publish", &json!({})).await;
        publish_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        let versions: std::collections::BTreeSet<String> = outcome["screens"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let got = arrivals(rx, players, t0, |v| versions.contains(v), &mut latencies).await;
        if got < players {
            println!("push: only {got} of {players} players got publish {n}");
        }
    }
    latencies.sort_by(f64::total_cmp);
    publish_ms.sort_by(f64::total_cmp);
    println!(
        "push: {publishes} publishes × {players} players: publish→event p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p99 < 100 ms); the publish request itself p50 {:.1} ms",
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
        pct(&publish_ms, 0.5),
    );
    pct(&publish_ms, 0.5)
}

/// Waits (30 s at most) for `players` events whose version `wanted` accepts, pushing each
/// one's delay since `t0` in ms; returns how many came.
async fn arrivals(
    rx: &mut Events,
    players: usize,
    t0: Instant,
    wanted: impl Fn(&str) -> bool,
    latencies: &mut Vec<f64>,
) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut got = 0;
    while got < players {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            // Events seen before `t0` are left from an earlier change (a feed import).
            Ok(Some((v, at))) if at >= t0 && wanted(&v) => {
                latencies.push(at.duration_since(t0).as_secs_f64() * 1000.0);
                got += 1;
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    got
}

/// Writes `n` announcements for the whole territory; prints the announcement → event
/// latency at every player, and the request's p50 against the publish's.
async fn news_latency(
    url: &str,
    admin: &reqwest::Client,
    rx: &mut Events,
    players: usize,
    n: usize,
    publish_p50: f64,
) {
    let mut latencies = Vec::new();
    let mut request_ms = Vec::new();
    for i in 1..=n {
        let t0 = Instant::now();
        post(
            admin,
            url,
            "/api/v1/news",
            &json!({ "id": format!("annonce-{i}"), "title": { "fr": format!("Annonce {i}") },
                "text": { "fr": "Réunion publique à la salle des fêtes." } }),
        )
        .await;
        request_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        let got = arrivals(rx, players, t0, |_| true, &mut latencies).await;
        if got < players {
            println!("news: only {got} of {players} players got announcement {i}");
        }
    }
    latencies.sort_by(f64::total_cmp);
    request_ms.sort_by(f64::total_cmp);
    println!(
        "news: {n} announcements × {players} players: announcement→event p50 {:.1} ms, p99 {:.1} ms; the request itself p50 {:.1} ms = {:.2}× a publish's",
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        pct(&request_ms, 0.5),
        pct(&request_ms, 0.5) / publish_p50,
    );
}

/// Imports a 200-entry RSS file into a new feed, then the same file again.
async fn feed_import(url: &str, admin: &reqwest::Client) {
    post(
        admin,
        url,
        "/api/v1/news/feeds",
        &json!({ "id": "bench", "name": "Flux", "max_items": 200 }),
    )
    .await;
    let now = jiff::Timestamp::now();
    let mut items = String::new();
    for i in 0..200 {
        let date =
            (now - jiff::SignedDuration::from_mins(i)).to_zoned_datetime(jiff::tz::TimeZone::UTC);
        items.push_str(&format!(
            "<item><title>Article n&#176; {i}</title><guid>a-{i}</guid><link>https://example.org/{i}</link>\
             <pubDate>{}</pubDate><description>&lt;p&gt;Un paragraphe &lt;b&gt;d&apos;article&lt;/b&gt; {i}.&lt;/p&gt;</description></item>",
            jiff::fmt::rfc2822::to_string(&date).unwrap()
        ));
    }
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flux</title><link>https://example.org/</link>{items}</channel></rss>"
    );
    for round in ["first import", "same file again"] {
        let t0 = Instant::now();
        let r = admin
            .post(format!("{url}/api/v1/news/feeds/bench/import"))
            .header("content-type", "application/rss+xml")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let report: Value = r.json().await.unwrap();
        println!(
            "feed import, 200 entries ({} KiB), {round}: {ms:.0} ms ({} added, {} unchanged)",
            body.len() >> 10,
            report["added"],
            report["unchanged"]
        );
    }
}

/// Writes `n` events in Fruges; prints the event → manifest event latency at every player,
/// and the request's p50 against the publish's.
async fn events_latency(
    url: &str,
    admin: &reqwest::Client,
    rx: &mut Events,
    players: usize,
    n: usize,
    publish_p50: f64,
) {
    let day = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date()
        .tomorrow()
        .unwrap();
    let mut latencies = Vec::new();
    let mut request_ms = Vec::new();
    for i in 1..=n {
        let t0 = Instant::now();
        post(
            admin,
            url,
            "/api/v1/events",
            &json!({ "id": format!("evenement-{i}"), "title": { "fr": format!("Concert {i}") },
                "dates": [{ "start": format!("{day}T20:00"), "end": format!("{day}T22:00") }],
                "commune": "62364", "category": "concert" }),
        )
        .await;
        request_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        let got = arrivals(rx, players, t0, |_| true, &mut latencies).await;
        if got < players {
            println!("events: only {got} of {players} players got event {i}");
        }
    }
    latencies.sort_by(f64::total_cmp);
    request_ms.sort_by(f64::total_cmp);
    println!(
        "events: {n} events × {players} players: event→manifest event p50 {:.1} ms, p99 {:.1} ms; the request itself p50 {:.1} ms = {:.2}× a publish's",
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        pct(&request_ms, 0.5),
        pct(&request_ms, 0.5) / publish_p50,
    );
}

/// Imports a 500-event iCalendar file (250 one-off events, 250 weekly series with an
/// EXDATE and a moved instance each) into a new source, then the same file again.
async fn calendar_import(url: &str, admin: &reqwest::Client, device: &str) {
    post(
        admin,
        url,
        "/api/v1/events/sources",
        &json!({ "id": "bench", "name": "Agenda", "format": "ical", "commune": "62364" }),
    )
    .await;
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(paris).date();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .strftime("%Y%m%d")
            .to_string()
    };
    let mut cal = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:Europe/Paris\r\n");
    for i in 0..250 {
        let d = day(i % 60);
        cal.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:one-{i}\r\nSUMMARY:Soirée n° {i}\r\nLOCATION:Salle des fêtes\\, 62310 Fruges\r\nDTSTART;TZID=Europe/Paris:{d}T200000\r\nDTEND;TZID=Europe/Paris:{d}T230000\r\nEND:VEVENT\r\n"
        ));
    }
    for i in 0..250 {
        let (first, skipped, moved) = (day(i % 7), day(i % 7 + 14), day(i % 7 + 21));
        cal.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:weekly-{i}\r\nSUMMARY:Atelier n° {i}\r\nCATEGORIES:Atelier\r\nDTSTART;TZID=Europe/Paris:{first}T140000\r\nDTEND;TZID=Europe/Paris:{first}T160000\r\nRRULE:FREQ=WEEKLY\r\nEXDATE;TZID=Europe/Paris:{skipped}T140000\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:weekly-{i}\r\nRECURRENCE-ID;TZID=Europe/Paris:{moved}T140000\r\nSUMMARY:Atelier n° {i}\r\nDTSTART;TZID=Europe/Paris:{moved}T160000\r\nDTEND;TZID=Europe/Paris:{moved}T180000\r\nEND:VEVENT\r\n"
        ));
    }
    cal.push_str("END:VCALENDAR\r\n");
    for round in ["first import", "same file again"] {
        let t0 = Instant::now();
        let r = admin
            .post(format!("{url}/api/v1/events/sources/bench/import"))
            .header("content-type", "text/calendar")
            .body(cal.clone())
            .send()
            .await
            .unwrap();
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let report: Value = r.json().await.unwrap();
        println!(
            "agenda import, 500 events ({} KiB, 250 weekly series), {round}: {ms:.0} ms ({} added, {} unchanged)",
            cal.len() >> 10,
            report["added"],
            report["unchanged"]
        );
    }
    // What a screen downloads: the events data set of the whole territory, over the horizon.
    let manifest: Value = client(Some(device))
        .get(format!("{url}/api/v1/player/manifest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = &manifest["data"]["events"];
    let sha = events["sha256"].as_str().unwrap_or_default();
    let blob = client(Some(device))
        .get(format!("{url}/api/v1/assets/{sha}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &blob).unwrap();
    let packed = gz.finish().unwrap().len();
    println!(
        "events data set after it: {} KiB ({} KiB gzipped)",
        events["size"].as_u64().unwrap_or_default() >> 10,
        packed >> 10
    );
}
