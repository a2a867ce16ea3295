//! `arb mapping verify --llm` against a loopback stub of an OpenAI-compatible server: the
//! stub answers same, different, uncertain, garbage, HTTP 500 or too slowly, by the
//! Polymarket id in the prompt. Checks the combination with the rules, the columns, the
//! JSON Lines sidecar, the error rows, the request cap, and that the API key sent in the
//! `Authorization` header appears in no output.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::mapping::csv;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "sk-test-SECRET-4242";
const KEY_VAR: &str = "ARB_TEST_LLM_KEY";

/// What the stub received: (Authorization header, model, temperature, user message).
type Seen = Arc<Mutex<Vec<(String, String, f64, String)>>>;

fn chat(content: &str) -> Response {
    Json(json!({"id": "x", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    ]}))
    .into_response()
}

async fn completions(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let user = body["messages"][1]["content"]
        .as_str()
        .unwrap_or("")
        .to_string();
    seen.lock().unwrap().push((
        auth.clone(),
        body["model"].as_str().unwrap_or("").into(),
        body["temperature"].as_f64().unwrap_or(-1.0),
        user.clone(),
    ));
    let says = |v: &str, r: &str| chat(&json!({"verdict": v, "reason": r}).to_string());
    if user.contains("Polymarket market 0xsame") {
        says("same", "both ask whether Newsom runs in 2028")
    } else if user.contains("Polymarket market 0xdiff") {
        says("different", "one asks about a filing deadline")
    } else if user.contains("Polymarket market 0xunc") {
        says("uncertain", "the resolution sources are not stated")
    } else if user.contains("Polymarket market 0xgarbage") {
        chat(&format!("Sure! They look alike to me. (you sent {auth})"))
    } else if user.contains("Polymarket market 0x500") {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("overloaded; your header was {auth}"),
        )
            .into_response()
    } else if user.contains("Polymarket market 0xslow") {
        tokio::time::sleep(Duration::from_secs(3)).await;
        says("same", "late")
    } else {
        // The rules-uncertain row, and anything else: the model agrees.
        says("same", "they look the same")
    }
}

/// Starts the stub on a loopback port; returns its base URL and what it saw.
fn stub() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let state = seen.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new()
                .route("/v1/chat/completions", axum::routing::post(completions))
                .with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    (format!("http://{addr}/v1"), seen)
}

const COLS: [&str; 5] = [
    "kalshi_ticker",
    "kalshi_title",
    "polymarket_id",
    "polymarket_title",
    "polymarket_outcomes",
];

fn row(t: &mut csv::Table, id: &str, kalshi: &str, poly: &str) {
    let outcomes = json!([
        ["Yes", format!("TOK-Y-{id}")],
        ["No", format!("TOK-N-{id}")]
    ]);
    t.push(vec![
        "KXTEST-26".into(),
        kalshi.into(),
        id.into(),
        poly.into(),
        outcomes.to_string(),
    ]);
}

const RUN: &str = "Will Gavin Newsom run for president in 2028?";
const RUN_P: &str = "Will Gavin Newsom run for President in 2028?";
const WIN_P: &str = "Will Gavin Newsom win the 2028 US Presidential Election?";

/// Rules-`same` rows for each stub answer, a rules-`uncertain` row the stub calls same,
/// and a rules-`different` row (the run/win near-miss) the stub must never see.
fn input(dir: &Path) -> std::path::PathBuf {
    let mut t = csv::Table::new("in.csv", COLS.iter().map(|c| c.to_string()).collect());
    for id in ["0xsame", "0xdiff", "0xunc", "0xgarbage", "0x500", "0xslow"] {
        row(&mut t, id, RUN, RUN_P);
    }
    row(&mut t, "0xrulesunc", "Will it happen?", "Will it happen?");
    row(&mut t, "0xrulesdiff", RUN, WIN_P);
    let p = dir.join("in.csv");
    std::fs::write(&p, csv::write(&t)).unwrap();
    p
}

fn config(dir: &Path, endpoint: &str, extra: &str) -> std::path::PathBuf {
    let p = dir.join("llm.toml");
    std::fs::write(
        &p,
        format!(
            "[llm]\nendpoint = {endpoint:?}\nmodel = \"stub-model\"\napi_key_env = \"{KEY_VAR}\"\ntimeout_s = 0.5\nmin_interval_ms = 0\n{extra}"
        ),
    )
    .unwrap();
    p
}

fn verify(args: &[&Path], names: &[&str], key: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arb"));
    c.args(["mapping", "verify"]);
    for (n, a) in names.iter().zip(args) {
        c.arg(n).arg(a);
    }
    c.env_remove(KEY_VAR);
    if let Some(k) = key {
        c.env(KEY_VAR, k);
    }
    c.output().unwrap()
}

#[test]
fn llm_verdicts_combine_with_the_rules_and_every_exchange_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (endpoint, seen) = stub();
    let (inp, cfg) = (input(dir.path()), config(dir.path(), &endpoint, ""));
    let (out, toml) = (dir.path().join("out.csv"), dir.path().join("pairs.toml"));
    let o = verify(
        &[&inp, &out, &toml, &cfg],
        &["--pairs", "--out", "--to-pairs", "--llm"],
        Some(KEY),
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    );
    assert!(o.status.success(), "{stderr}");
    assert!(
        stdout.contains("8 rows: 1 same, 2 different, 5 uncertain")
            && stdout.contains("7 asked (3 errors), 5 lowered, 1 not asked (rules: different)"),
        "{stdout}"
    );

    // The stub saw the key, the model and temperature 0, and never the rules-different row.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 7);
    assert!(
        seen.iter()
            .all(|(auth, model, temp, _)| auth == &format!("Bearer {KEY}")
                && model == "stub-model"
                && *temp == 0.0)
    );
    assert!(!seen.iter().any(|s| s.3.contains("0xrulesdiff")));
    let prompt = &seen[0].3;
    assert!(
        prompt.contains(RUN) && prompt.contains(RUN_P) && prompt.contains("outcome \"Yes\" pays"),
        "{prompt}"
    );

    let t = csv::parse(&std::fs::read_to_string(&out).unwrap(), "out.csv").unwrap();
    let by_id = |id: &str| {
        (1..=t.rows.len())
            .find(|&r| t.get(r, "polymarket_id") == id)
            .unwrap()
    };
    let cell = |id: &str, c: &str| t.get(by_id(id), c).to_string();
    // (id, verdict, llm_verdict, llm_reason contains, confirmed_by)
    let llm = "rules+llm:stub-model";
    for (id, verdict, llm_verdict, why, by) in [
        ("0xsame", "same", "same", "Newsom runs", llm),
        ("0xdiff", "different", "different", "filing deadline", llm),
        ("0xunc", "uncertain", "uncertain", "not stated", llm),
        (
            "0xgarbage",
            "uncertain",
            "error",
            "malformed answer: no JSON object",
            llm,
        ),
        ("0x500", "uncertain", "error", "HTTP 500", llm),
        ("0xslow", "uncertain", "error", "timeout after 0.5s", llm),
        ("0xrulesunc", "uncertain", "same", "look the same", llm),
        (
            "0xrulesdiff",
            "different",
            "",
            "not asked: the rules said different",
            "rules",
        ),
    ] {
        assert_eq!(cell(id, "verdict"), verdict, "{id}: {}", cell(id, "reason"));
        assert_eq!(cell(id, "llm_verdict"), llm_verdict, "{id}");
        assert!(
            cell(id, "llm_reason").contains(why),
            "{id}: {}",
            cell(id, "llm_reason")
        );
        assert_eq!(cell(id, "confirmed_by"), by, "{id}");
        let model = if llm_verdict.is_empty() {
            ""
        } else {
            "stub-model"
        };
        assert_eq!(cell(id, "llm_model"), model, "{id}");
    }
    assert!(
        cell("0xrulesdiff", "reason")
            .starts_with("predicate: kalshi asks 'run', polymarket asks 'win'")
    );
    assert!(cell("0x500", "reason").contains("llm stub-model: error: HTTP 500"));
    assert_eq!(cell("0xdiff", "confidence"), "0.00");

    // The sidecar: one line per request, with the prompt, the answer and the latency.
    let side = std::fs::read_to_string(dir.path().join("out.csv.llm.jsonl")).unwrap();
    let lines: Vec<Value> = side
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    let line = |id: &str| lines.iter().find(|l| l["polymarket_id"] == id).unwrap();
    let same = line("0xsame");
    assert_eq!(same["prompt_version"], "mapping-llm-v1");
    assert_eq!(same["model"], "stub-model");
    assert_eq!(same["kalshi_ticker"], "KXTEST-26");
    assert_eq!(same["polymarket_token"], "TOK-Y-0xsame");
    assert!(same["prompt"]["user"].as_str().unwrap().contains(RUN_P));
    assert!(
        same["prompt"]["system"]
            .as_str()
            .unwrap()
            .contains("running is not winning")
    );
    assert!(
        same["answer"]
            .as_str()
            .unwrap()
            .contains("\"verdict\":\"same\"")
    );
    assert!(same["latency_ms"].is_u64() && same["error"].is_null());
    assert!(line("0xslow")["latency_ms"].as_u64().unwrap() >= 400);
    assert!(line("0x500")["answer"].is_null());
    assert!(
        line("0x500")["error"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    assert!(
        line("0xgarbage")["answer"]
            .as_str()
            .unwrap()
            .contains("[redacted]")
    );

    // The pairs file trades only the pair both agreed on, and says who confirmed it.
    let specs = arb::mapping::load(&toml).unwrap();
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].polymarket, "TOK-Y-0xsame");
    let file = std::fs::read_to_string(&toml).unwrap();
    assert!(file.contains("confirmed_by = \"rules+llm:stub-model\""));

    // The key, echoed back by the stub in two answers, is in no output.
    for (what, text) in [
        ("out.csv", std::fs::read_to_string(&out).unwrap()),
        ("sidecar", side),
        ("pairs", file),
        ("stdout", stdout),
        ("stderr", stderr),
    ] {
        assert!(!text.contains(KEY), "the API key leaked into {what}");
    }
}

#[test]
fn max_pairs_caps_requests_and_the_rest_keep_the_rules_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (endpoint, seen) = stub();
    let (inp, cfg) = (
        input(dir.path()),
        config(dir.path(), &endpoint, "max_pairs = 1\n"),
    );
    let out = dir.path().join("out.csv");
    let o = verify(
        &[&inp, &out, &cfg],
        &["--pairs", "--out", "--llm"],
        Some(KEY),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(seen.lock().unwrap().len(), 1);
    let t = csv::parse(&std::fs::read_to_string(&out).unwrap(), "out.csv").unwrap();
    let r = (1..=t.rows.len())
        .find(|&r| t.get(r, "polymarket_id") == "0xdiff")
        .unwrap();
    assert_eq!(
        (
            t.get(r, "verdict"),
            t.get(r, "confirmed_by"),
            t.get(r, "llm_reason")
        ),
        ("same", "rules", "not asked: llm.max_pairs (1) reached")
    );
}

#[test]
fn a_missing_key_or_a_bad_config_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let inp = input(dir.path());
    let out = dir.path().join("out.csv");
    let cfg = config(dir.path(), "http://127.0.0.1:9/v1", "");
    let o = verify(&[&inp, &out, &cfg], &["--pairs", "--out", "--llm"], None);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains(KEY_VAR) && e.contains("llm.api_key_env"), "{e}");
    assert!(
        !out.exists(),
        "nothing is written before the config is good"
    );
    std::fs::write(&cfg, "[llm]\nendpoint = \"localhost\"\nmodel = \"m\"\n").unwrap();
    let o = verify(
        &[&inp, &out, &cfg],
        &["--pairs", "--out", "--llm"],
        Some(KEY),
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("llm.toml") && e.contains("llm.endpoint"), "{e}");
    // An endpoint nobody listens on: every asked row is an error row, the run succeeds.
    std::fs::write(&cfg, "[llm]\nendpoint = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\ntimeout_s = 2\nmin_interval_ms = 0\n").unwrap();
    let o = verify(&[&inp, &out, &cfg], &["--pairs", "--out", "--llm"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = csv::parse(&std::fs::read_to_string(&out).unwrap(), "out.csv").unwrap();
    let errors = (1..=t.rows.len())
        .filter(|&r| t.get(r, "llm_verdict") == "error")
        .count();
    assert_eq!(errors, 7);
    assert!((1..=t.rows.len()).all(|r| t.get(r, "verdict") != "same"));
    assert!(
        t.get(1, "llm_reason").contains("transport"),
        "{}",
        t.get(1, "llm_reason")
    );
}
