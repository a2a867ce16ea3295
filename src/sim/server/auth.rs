//! Request authentication on the simulator, checked the way the venues check it: a
//! request with a bad signature, an unknown key or a stale timestamp is refused.

use super::SimAccount;

/// How far a Kalshi request timestamp may be from the simulator's clock.
const KALSHI_TIMESTAMP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// True if `signature` is the account's RSA-PSS signature over `ts + METHOD + path`
/// and `ts` is fresh.
pub fn kalshi_signature_ok(
    account: &SimAccount,
    ts: &str,
    method: &str,
    path: &str,
    signature: &str,
) -> bool {
    let Some(verifier) = &account.kalshi else {
        return false;
    };
    crate::venues::kalshi::auth::check_timestamp(
        ts,
        crate::clock::wall_ms(),
        KALSHI_TIMESTAMP_WINDOW_MS,
    )
    .is_ok()
        && verifier.verify(ts, method, path, signature).is_ok()
}
