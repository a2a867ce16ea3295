//! The simulator's trading accounts and the public, worthless test keys they are
//! known by on each venue.

use crate::core::{Money, Venue};

/// A trading account and the credentials that identify it on each venue.
#[derive(Clone, Debug)]
pub struct SimAccount {
    pub name: String,
    pub cash: Money,
    /// Kalshi API key id, and the verifier of its RSA key's signatures.
    pub kalshi_key_id: Option<String>,
    pub kalshi: Option<crate::venues::kalshi::auth::KalshiVerifier>,
    /// Polymarket wallet address (`POLY_ADDRESS`, the signer of its orders) and CLOB API
    /// credentials (L2 HMAC).
    pub poly_address: Option<crate::venues::polymarket::eth::Address>,
    pub poly_creds: Option<crate::venues::polymarket::auth::ApiCreds>,
}

/// The simulator's own credentials: public, worthless test keys (see
/// `src/sim/keys/README.md`), so the whole live path signs and verifies for real with
/// nothing to configure.
pub mod sim_keys {
    pub const KALSHI_KEY_ID: &str = "arb-sim-key";
    pub const KALSHI_KEY_PEM: &str = include_str!("../keys/kalshi_sim_only_rsa2048.pem");
    /// Hardhat/Anvil account 0, published with every Ethereum dev toolchain.
    pub const POLY_PRIVATE_KEY: &str =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    pub const POLY_API_KEY: &str = "00000000-0000-4000-8000-00000000a5b1";
    /// 32 bytes, URL-safe base64.
    pub const POLY_API_SECRET: &str = "c2ltdWxhdG9yLW9ubHktc2VjcmV0LWtleS0zMmJ5dGU=";
    pub const POLY_PASSPHRASE: &str = "simulator-only";
}

/// The simulator's two trading accounts: one per venue, each funded with that venue's
/// cash from the scenario, each knowing the simulator's own keys.
pub fn sim_accounts(cash: [Money; 2]) -> Result<Vec<SimAccount>, String> {
    use crate::venues::credentials::Secret;
    let kalshi = crate::venues::kalshi::auth::KalshiVerifier::from_private_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .map_err(|e| e.to_string())?;
    let creds = crate::venues::polymarket::auth::ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .map_err(|e| e.to_string())?;
    let wallet =
        crate::venues::polymarket::eth::EthKey::from_hex(&Secret::new(sim_keys::POLY_PRIVATE_KEY))
            .map_err(|e| e.to_string())?;
    Ok(vec![
        SimAccount {
            name: "arb-kalshi".into(),
            cash: cash[Venue::Kalshi.index()],
            kalshi_key_id: Some(sim_keys::KALSHI_KEY_ID.into()),
            kalshi: Some(kalshi),
            poly_address: None,
            poly_creds: None,
        },
        SimAccount {
            name: "arb-polymarket".into(),
            cash: cash[Venue::Polymarket.index()],
            kalshi_key_id: None,
            kalshi: None,
            poly_address: Some(wallet.address()),
            poly_creds: Some(creds),
        },
    ])
}
