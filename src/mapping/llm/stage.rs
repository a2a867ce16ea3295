//! The LLM pass over a table the rules have verified: asks about every row the rules did
//! not call `different` (one request at a time, at most `max_pairs`), combines verdicts,
//! fills `llm_model`, `llm_verdict`, `llm_reason` and records each exchange in the JSON
//! Lines sidecar. A failed request is that row's `uncertain`, never the run's failure.

use super::client::{Client, redact};
use super::{
    Answer, LlmConfig, PROMPT_VERSION, PairText, SYSTEM, combine, parse_answer, user_prompt,
};
use crate::mapping::csv::Table;
use crate::mapping::verify::Verdict;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the pass did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub asked: usize,
    pub errors: usize,
    /// Rows the rules called `different` (not asked).
    pub skipped_different: usize,
    /// Rows past `max_pairs` (not asked; the rules' verdict stands).
    pub over_cap: usize,
    /// Rows whose verdict the LLM lowered.
    pub lowered: usize,
}

fn verdict_of(s: &str) -> Verdict {
    match s {
        "same" => Verdict::Same,
        "different" => Verdict::Different,
        _ => Verdict::Uncertain,
    }
}

/// The prompt's view of data row `row`.
fn pair_text(t: &Table, row: usize) -> PairText {
    let outcomes: Vec<(String, String)> =
        serde_json::from_str(t.get(row, "polymarket_outcomes")).unwrap_or_default();
    let token = t.get(row, "polymarket_token").trim();
    let g = |c: &str| t.get(row, c).to_string();
    PairText {
        kalshi_ticker: g("kalshi_ticker"),
        kalshi_title: g("kalshi_title"),
        kalshi_yes: g("kalshi_yes"),
        kalshi_rules: g("kalshi_rules"),
        kalshi_close: g("kalshi_close"),
        polymarket_id: g("polymarket_id"),
        polymarket_title: g("polymarket_title"),
        polymarket_description: g("polymarket_description"),
        polymarket_end: g("polymarket_end"),
        polymarket_outcomes: outcomes.iter().map(|(l, _)| l.clone()).collect(),
        polymarket_outcome_for_kalshi_yes: outcomes
            .iter()
            .find(|(_, tok)| !token.is_empty() && tok == token)
            .map(|(l, _)| l.clone()),
    }
}

/// Runs the pass; `sidecar` is (re)written with one JSON object per request.
pub fn run(
    t: &mut Table,
    config: &LlmConfig,
    key: Option<String>,
    sidecar: &Path,
) -> anyhow::Result<Stats> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the LLM client's runtime: {e}"))?;
    rt.block_on(pass(t, config, key, sidecar))
}

async fn pass(
    t: &mut Table,
    config: &LlmConfig,
    key: Option<String>,
    sidecar: &Path,
) -> anyhow::Result<Stats> {
    let side_err = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", sidecar.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(sidecar).map_err(side_err)?);
    let client = Client::new(config, key.clone())
        .map_err(|e| anyhow::anyhow!("LLM client for {}: {e}", config.endpoint))?;
    let model = config.model.trim();
    let mut stats = Stats::default();
    for row in 1..=t.rows.len() {
        let rules = verdict_of(t.get(row, "verdict"));
        if rules == Verdict::Different {
            stats.skipped_different += 1;
            set_llm(t, row, "", "", "not asked: the rules said different");
            continue;
        }
        if stats.asked >= config.max_pairs {
            stats.over_cap += 1;
            let why = format!("not asked: llm.max_pairs ({}) reached", config.max_pairs);
            set_llm(t, row, "", "", &why);
            continue;
        }
        if stats.asked > 0 && config.min_interval_ms > 0 {
            tokio::time::sleep(Duration::from_millis(config.min_interval_ms)).await;
        }
        stats.asked += 1;
        let user = user_prompt(&pair_text(t, row));
        let body = client.body(SYSTEM, &user);
        let start = Instant::now();
        let reply = client.ask(&body).await;
        let latency_ms = start.elapsed().as_millis() as u64;
        let (answer, raw, parsed): (Option<String>, Option<String>, Result<Answer, String>) =
            match reply {
                Ok(r) => {
                    let parsed = parse_answer(&r.content);
                    (Some(r.content), Some(r.raw), parsed)
                }
                Err(e) => (None, None, Err(e.to_string())),
            };
        let (llm_verdict, llm_reason, llm) = match &parsed {
            Ok(a) => (a.verdict.as_str(), a.reason.clone(), Some(a.verdict)),
            Err(e) => {
                stats.errors += 1;
                ("error", redact(e, key.as_deref()), None)
            }
        };
        let verdict = combine(rules, llm);
        if verdict != rules {
            stats.lowered += 1;
        }
        let reason = format!(
            "{}; llm {model}: {llm_verdict}: {llm_reason}",
            t.get(row, "reason")
        );
        t.set(row, "verdict", verdict.as_str().into());
        t.set(row, "reason", reason);
        if verdict == Verdict::Different {
            t.set(row, "confidence", "0.00".into());
        }
        t.set(row, "confirmed_by", format!("rules+llm:{model}"));
        set_llm(t, row, model, llm_verdict, &llm_reason);
        let record = json!({
            "row": row,
            "kalshi_ticker": t.get(row, "kalshi_ticker"),
            "polymarket_id": t.get(row, "polymarket_id"),
            "polymarket_token": t.get(row, "polymarket_token"),
            "prompt_version": PROMPT_VERSION,
            "model": model,
            "temperature": config.temperature,
            "prompt": {"system": SYSTEM, "user": user},
            "answer": answer,
            "response": raw,
            "error": parsed.as_ref().err().map(|e| redact(e, key.as_deref())),
            "llm_verdict": llm_verdict,
            "rules_verdict": rules.as_str(),
            "verdict": verdict.as_str(),
            "latency_ms": latency_ms,
        });
        writeln!(out, "{record}").map_err(side_err)?;
    }
    out.flush().map_err(side_err)?;
    Ok(stats)
}

fn set_llm(t: &mut Table, row: usize, model: &str, verdict: &str, reason: &str) {
    t.set(row, "llm_model", model.into());
    t.set(row, "llm_verdict", verdict.into());
    t.set(row, "llm_reason", reason.into());
}
