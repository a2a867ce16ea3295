//! `arb sim`: the simulator served on its own, driven by a scenario.

use super::{SimServer, SimState, driver, sim_accounts, sim_keys};
use std::io::Write;
use std::net::SocketAddr;

/// `arb sim`: serves the simulator on `listen`, driven by a scenario, printing each
/// venue's base URL, until SIGINT/SIGTERM or `duration`.
pub fn serve_standalone(
    scenario: Option<&std::path::Path>,
    listen: SocketAddr,
    speed: f64,
    duration: Option<std::time::Duration>,
) -> Result<(), String> {
    let scenario = crate::sim::Scenario::load_or_default(scenario).map_err(|e| e.to_string())?;
    let accounts = sim_accounts(scenario.cash)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let state =
            SimState::new(scenario.markets.clone(), accounts).with_scenario(&scenario);
        let server = SimServer::start(state, listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        // The URLs go to stdout for whoever started us; a reader that has gone away
        // (a closed pipe) must not take the server down with it.
        let mut stdout = std::io::stdout();
        let _ = writeln!(
            stdout,
            "kalshi rest: {}\nkalshi ws:   {}\nledger:      http://{}/_sim/ledger\npolymarket rest: {}\npolymarket ws: {}\npolymarket gamma: {}\naccounts: arb-kalshi (Kalshi key id {}, src/sim/keys/kalshi_sim_only_rsa2048.pem), arb-polymarket (Hardhat account 0, API key {})",
            server.kalshi_base(),
            server.kalshi_ws(),
            server.addr,
            server.polymarket_base(),
            server.polymarket_ws(),
            server.gamma_base(),
            sim_keys::KALSHI_KEY_ID,
            sim_keys::POLY_API_KEY
        );
        let _ = stdout.flush();
        let play = tokio::spawn(driver::play(server.state.clone(), scenario, speed));
        let stop = async {
            match duration {
                Some(d) => tokio::time::sleep(d).await,
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        };
        stop.await;
        play.abort();
        server.stop().await;
        Ok(())
    })
}
